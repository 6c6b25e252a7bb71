import { APIConnectionError, APIError, RateLimitError, TimeoutError } from "../errors.js";

/** Retries after the first attempt, unless a call or the client says otherwise. */
export const DEFAULT_MAX_RETRIES = 2;
const INITIAL_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 8_000;
/**
 * How long in all one request waits for the server to have room (429s, `Retry-After`) before
 * giving up, each wait included whole; the call's deadline bounds it too.
 */
export const MAX_WAIT_FOR_SERVER_MS = 10 * 60_000;

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

/** What is left for a wait the server asked for. */
export interface WaitRoom {
  /** What is left of the request's budget for such waits ({@link MAX_WAIT_FOR_SERVER_MS}), in ms. */
  budgetLeftMs: number;
  /** The call's deadline, if it has one: ms left, and its whole length. */
  deadline?: { leftMs: number; ms: number } | undefined;
}

/**
 * Why the server's `Retry-After` of `waitMs` cannot be waited out (it does not fit the call's
 * deadline or the request's budget for waiting), or undefined when it can.
 */
export function retryAfterMisfit(waitMs: number, room: WaitRoom): string | undefined {
  const s = (ms: number) => Math.max(0, Math.floor(ms / 1000));
  if (room.deadline && waitMs >= room.deadline.leftMs) {
    return `only ${s(room.deadline.leftMs)} s are left of the call's ${Math.round(room.deadline.ms / 1000)} s deadline (timeoutMs)`;
  }
  if (waitMs > room.budgetLeftMs) {
    const left = room.budgetLeftMs < MAX_WAIT_FOR_SERVER_MS ? ` (${s(room.budgetLeftMs)} s of that are left)` : "";
    return `a request waits at most ${MAX_WAIT_FOR_SERVER_MS / 1000} s in all for the server to have room${left}`;
  }
  return undefined;
}

/** Uploads are retried on 429, 503 and failures before the whole file left; ambiguous ones only on opt-in. */
export function isRetriableUpload(error: unknown, allowAmbiguous: boolean): boolean {
  if (error instanceof RateLimitError) return true;
  if (error instanceof APIError) return error.status === 503 || (allowAmbiguous && error.status >= 500);
  if (error instanceof TimeoutError) return true;
  if (error instanceof APIConnectionError) return !error.mayHaveCreatedJob || allowAmbiguous;
  return false;
}
