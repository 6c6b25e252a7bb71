import { APIConnectionError, APIError, TimeoutError } from "./errors.js";

/** Retries after the first attempt, unless a call or the client says otherwise. */
export const DEFAULT_MAX_RETRIES = 2;
const INITIAL_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 8_000;
/** A `Retry-After` longer than this is not waited out silently: the error is raised instead. */
export const MAX_RETRY_AFTER_MS = 60_000;

/** Statuses a GET is retried on. */
export function isRetriableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** GETs are retried on retriable statuses, lost connections and request timeouts. */
export function isRetriableRead(error: unknown): boolean {
  if (error instanceof APIError) return isRetriableStatus(error.status);
  return error instanceof APIConnectionError || error instanceof TimeoutError;
}

/** Exponential backoff with jitter: about 0.5 s, 1 s, 2 s … up to 8 s, each shortened by up to a quarter. */
export function backoffMs(retry: number, random: () => number = Math.random): number {
  const base = Math.min(MAX_BACKOFF_MS, INITIAL_BACKOFF_MS * 2 ** retry);
  return Math.round(base * (1 - 0.25 * random()));
}

/**
 * How long a response asks us to wait, in ms: `retry-after-ms`, or `Retry-After` as seconds or as
 * an HTTP date. Undefined when absent or unreadable.
 */
export function parseRetryAfter(headers: Record<string, string> | undefined, now: number = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = Number.parseFloat(headers["retry-after-ms"] ?? "");
  if (Number.isFinite(ms) && ms >= 0) return Math.round(ms);
  const value = headers["retry-after"]?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number.parseFloat(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The wait before retry number `retry` (0-based) after `error`: what the server asked, else backoff. */
export function retryDelayMs(error: unknown, retry: number): number {
  const asked = error instanceof APIError ? parseRetryAfter(error.headers) : undefined;
  return asked ?? backoffMs(retry);
}
