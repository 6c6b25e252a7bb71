import { randomUUID } from "node:crypto";
import type { Dispatcher } from "undici";
import { defaultCacheDir } from "../cache/cache-dir.js";
import { MissingApiKeyError, SotaOcrError } from "../errors.js";
import { MIN_API_KEY_LENGTH } from "../http/redact.js";
import { DEFAULT_MAX_RETRIES } from "../http/retry.js";
import type { UploadProgress } from "../http/upload.js";
import { isPaceExchange, type PaceExchange } from "../polling/pace-exchange.js";
import type { JobProgress, OcrFormat } from "../types.js";
import {
  type ClientOptions,
  DEFAULT_BASE_URL,
  DEFAULT_JOB_TIMEOUT_MS,
  DEFAULT_TIMEOUT_MS,
  type ExtractOptions,
  type GetPagesOptions,
  MIN_POLL_INTERVAL_MS,
  type OcrOptions,
  type PollScheduleKind,
  type RequestOptions,
  type WaitOptions,
} from "./client-options.js";
import { normalizePageRanges, type PageRange } from "./page-ranges.js";

// Check at the door, trust inside: each public method turns its options into one of these types
// first, so a bad value fails before anything is read or sent, and inner code never checks again.

/** The client's options, checked and with their defaults. */
export interface ResolvedClientOptions {
  /** Checked when a request needs it (`requireApiKey`), so a client can be made before the key is set. */
  apiKey: string | undefined;
  baseUrl: string;
  timeoutMs: number;
  jobTimeoutMs: number;
  maxRetries: number;
  pollIntervalMs: number;
  pollSchedule: PollScheduleKind;
  retryAmbiguousUploads: boolean;
  dispatcher: Dispatcher | undefined;
  paceExchange: PaceExchange | undefined;
  /** The cache folder, when the cache is on. */
  cacheDir: string | undefined;
}

/** What every request of a call needs. */
export interface ResolvedRequest {
  signal: AbortSignal | undefined;
  /** Per request, in ms. */
  timeoutMs: number;
  maxRetries: number;
}

export interface ResolvedExtractOptions {
  request: ResolvedRequest;
  pageRanges: PageRange[] | undefined;
  modelProfile: string | undefined;
  /** The caller's key, or a fresh one: the same for every attempt of the upload. */
  idempotencyKey: string;
  filename: string | undefined;
  onUploadProgress: ((progress: UploadProgress) => void) | undefined;
}

export interface ResolvedWaitOptions {
  /** The deadline of the whole wait, in ms. */
  timeoutMs: number;
  signal: AbortSignal | undefined;
  onProgress: ((progress: JobProgress) => void) | undefined;
}

export interface ResolvedOcrOptions {
  format: OcrFormat;
  pageRanges: PageRange[] | undefined;
  modelProfile: string | undefined;
  /** The caller's own key; without one, the cache's journal or the upload picks one. */
  idempotencyKey: string | undefined;
  filename: string | undefined;
  onUploadProgress: ((progress: UploadProgress) => void) | undefined;
  onProgress: ((progress: JobProgress) => void) | undefined;
  /** The deadline of the whole call (upload, wait, result), in ms. */
  timeoutMs: number;
  /** Each request's: the call's `requestTimeoutMs` and `maxRetries`, with the caller's signal. */
  request: ResolvedRequest;
}

export interface ResolvedPagesOptions {
  request: ResolvedRequest;
  format: OcrFormat;
  pageRanges: PageRange[] | undefined;
}

export function resolveClientOptions(options: ClientOptions, env: NodeJS.ProcessEnv = process.env): ResolvedClientOptions {
  const apiKey = options.apiKey ?? env.SOTAOCR_API_KEY ?? undefined;
  const baseUrl = options.baseUrl ?? (env.SOTAOCR_BASE_URL || DEFAULT_BASE_URL);
  const resolved: ResolvedClientOptions = {
    apiKey,
    baseUrl,
    timeoutMs: positive(options.timeoutMs, "timeoutMs") ?? DEFAULT_TIMEOUT_MS,
    jobTimeoutMs: positive(options.jobTimeoutMs, "jobTimeoutMs") ?? DEFAULT_JOB_TIMEOUT_MS,
    maxRetries: nonNegativeInt(options.maxRetries, "maxRetries") ?? DEFAULT_MAX_RETRIES,
    pollIntervalMs: Math.max(MIN_POLL_INTERVAL_MS, positive(options.pollIntervalMs, "pollIntervalMs", true) ?? MIN_POLL_INTERVAL_MS),
    pollSchedule: resolvePollSchedule(options.pollSchedule),
    retryAmbiguousUploads: options.retryAmbiguousUploads ?? false,
    dispatcher: options.dispatcher,
    paceExchange: resolvePaceExchange(options.paceExchange),
    cacheDir: options.cache === true ? defaultCacheDir() : options.cache || undefined,
  };
  if (!URL.canParse(baseUrl) || !["http:", "https:"].includes(new URL(baseUrl).protocol)) {
    throw new SotaOcrError(`baseUrl "${baseUrl}" is not an http(s) URL: use e.g. "https://api.sotaocr.com" or "http://127.0.0.1:8787".`);
  }
  return resolved;
}

export function resolveRequest(options: RequestOptions, client: ResolvedClientOptions): ResolvedRequest {
  return {
    signal: options.signal,
    timeoutMs: positive(options.timeoutMs, "timeoutMs") ?? client.timeoutMs,
    maxRetries: nonNegativeInt(options.maxRetries, "maxRetries") ?? client.maxRetries,
  };
}

export function resolveExtractOptions(options: ExtractOptions, client: ResolvedClientOptions): ResolvedExtractOptions {
  const pageRanges = resolvePageRanges(options.pageRanges);
  return {
    request: resolveRequest(options, client),
    pageRanges,
    modelProfile: options.modelProfile,
    idempotencyKey: options.idempotencyKey ?? randomUUID(),
    filename: options.filename,
    onUploadProgress: options.onUploadProgress,
  };
}

export function resolveWaitOptions(options: WaitOptions, client: ResolvedClientOptions): ResolvedWaitOptions {
  return {
    timeoutMs: positive(options.timeoutMs, "timeoutMs") ?? client.jobTimeoutMs,
    signal: options.signal,
    onProgress: options.onProgress,
  };
}

export function resolveOcrOptions(options: OcrOptions, client: ResolvedClientOptions): ResolvedOcrOptions {
  const format = resolveFormat(options.format);
  const timeoutMs = positive(options.timeoutMs, "timeoutMs") ?? client.jobTimeoutMs;
  const requestTimeoutMs = positive(options.requestTimeoutMs, "requestTimeoutMs");
  const pageRanges = resolvePageRanges(options.pageRanges);
  return {
    format,
    pageRanges,
    modelProfile: options.modelProfile,
    idempotencyKey: options.idempotencyKey,
    filename: options.filename,
    onUploadProgress: options.onUploadProgress,
    onProgress: options.onProgress,
    timeoutMs,
    request: resolveRequest({ signal: options.signal, timeoutMs: requestTimeoutMs, maxRetries: options.maxRetries }, client),
  };
}

export function resolvePagesOptions(options: GetPagesOptions, client: ResolvedClientOptions): ResolvedPagesOptions {
  const pageRanges = resolvePageRanges(options.pageRanges);
  return { request: resolveRequest(options, client), format: resolveFormat(options.format), pageRanges };
}

/** Page ranges as given (a string or objects), validated, sorted and merged; undefined for every page. */
export function resolvePageRanges(input: ExtractOptions["pageRanges"]): PageRange[] | undefined {
  return input === undefined ? undefined : normalizePageRanges(input);
}

/** A page text format: "markdown" (the default) or "text". */
export function resolveFormat(format: OcrFormat | undefined): OcrFormat {
  const value = format ?? "markdown";
  if (value !== "markdown" && value !== "text") {
    throw new SotaOcrError(`format must be "markdown" or "text", not ${JSON.stringify(value)}.`);
  }
  return value;
}

function resolvePollSchedule(value: PollScheduleKind | undefined): PollScheduleKind {
  if (value === undefined) return "adaptive";
  if (value !== "adaptive" && value !== "fixed") {
    throw new SotaOcrError(`pollSchedule must be "adaptive" or "fixed", not ${JSON.stringify(value)}.`);
  }
  return value;
}

function resolvePaceExchange(value: PaceExchange | undefined): PaceExchange | undefined {
  if (value !== undefined && !isPaceExchange(value)) {
    throw new SotaOcrError("paceExchange must have publish(message) and subscribe(deliver) methods (see PaceExchange).");
  }
  return value;
}

/** A page number of a document (1-based), for `getPagePreview`. */
export function resolvePageNumber(pageNumber: number, jobId: string): number {
  if (!Number.isSafeInteger(pageNumber) || pageNumber < 1) {
    throw new SotaOcrError(`pageNumber must be a whole number from 1, not ${JSON.stringify(pageNumber)}.`, { jobId });
  }
  return pageNumber;
}

/** The API key, refused (`MissingApiKeyError`, nothing sent) when missing or not shaped like a key. */
export function requireApiKey(key: string | undefined): string {
  if (!key || key.trim() === "") throw new MissingApiKeyError();
  // A key with spaces or line breaks (a copy-paste slip) would fail every request as a network error.
  if (!/^[\x21-\x7e]+$/.test(key)) throw new MissingApiKeyError("contains spaces, line breaks or other characters no API key has");
  // Every answer is cleaned of the key before it reaches an error; a key this short would match ordinary text.
  if (key.length < MIN_API_KEY_LENGTH) {
    throw new MissingApiKeyError(
      `is shorter than ${MIN_API_KEY_LENGTH} characters, which no API key is (it could not be kept out of error messages)`,
    );
  }
  return key;
}

/**
 * A duration option checked at the door. Infinity (and anything too long for a timer) means no
 * limit, for timeouts; `finite` options (intervals) must be real numbers.
 */
export function positive(value: number | undefined, name: string, finite = false): number | undefined {
  if (value === undefined) return undefined;
  if (!(typeof value === "number" && value > 0 && (!finite || Number.isFinite(value)))) {
    const kind = finite ? "a finite positive number of milliseconds" : "a positive number of milliseconds (Infinity: no limit)";
    throw new SotaOcrError(`${name} must be ${kind}, not ${typeof value === "number" ? value : JSON.stringify(value)}.`);
  }
  return value;
}

function nonNegativeInt(value: number | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!(Number.isInteger(value) && value >= 0)) throw new SotaOcrError(`${name} must be a whole number ≥ 0, not ${JSON.stringify(value)}.`);
  return value;
}
