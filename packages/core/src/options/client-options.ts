import type { Dispatcher } from "undici";
import type { UploadProgress } from "../http/upload.js";
import type { PaceExchange } from "../polling/pace-exchange.js";
import type { JobProgress, OcrFormat } from "../types.js";
import type { PageRangesInput } from "./page-ranges.js";

// The options callers write. They are checked once, where a public method begins (resolve.ts);
// everything past that takes the resolved forms.

export const DEFAULT_BASE_URL = "https://api.sotaocr.com";
export const DEFAULT_TIMEOUT_MS = 60_000;
export const DEFAULT_JOB_TIMEOUT_MS = 30 * 60_000;
/** The API allows at most one status poll per job per second (docs/api-contract.md#rate-limits-and-polling). */
export const MIN_POLL_INTERVAL_MS = 1_000;

export interface ClientOptions {
  /**
   * The API key, sent as `Authorization: Bearer …`. Never logged or put in errors: it is removed
   * from everything the server answers. Keys shorter than 6 characters are refused.
   * @default process.env.SOTAOCR_API_KEY
   */
  apiKey?: string | undefined;
  /**
   * The service's base URL; point it at the local emulator for offline work.
   * @default process.env.SOTAOCR_BASE_URL, else "https://api.sotaocr.com"
   */
  baseUrl?: string | undefined;
  /**
   * How long one HTTP request may take, in ms, before it is abandoned (and retried when safe).
   * For uploads it counts from the last byte sent, so big files are not cut off while they move.
   * Infinity (or 2^31 ms and more, too long for a Node timer) means no limit.
   * @default 60000
   */
  timeoutMs?: number | undefined;
  /**
   * How long `waitForJob` and `ocr` wait for a job in all, in ms, before a `TimeoutError` that names
   * the job (it keeps running on the server: resume with `waitForJob(jobId)`). Infinity (or 2^31
   * ms and more) means no limit.
   * @default 1800000 (30 minutes)
   */
  jobTimeoutMs?: number | undefined;
  /**
   * Retries after a failed request: GETs on 408/409/429/5xx and lost connections, uploads only
   * when no job can have been created. Backoff 0.5 s → 8 s with jitter; `Retry-After` is honoured.
   * @default 2
   */
  maxRetries?: number | undefined;
  /**
   * Least time between two status polls of the same job, in ms, retries included (and retries of
   * its result and preview requests, which count as polls while they answer "not ready"). The
   * first result request after a poll saw the job complete goes at once. Values below 1000 are
   * raised to 1000: the API answers 429 to faster polling.
   * @default 1000
   */
  pollIntervalMs?: number | undefined;
  /**
   * When `waitForJob` and `ocr` poll a job. `"adaptive"` predicts from the job's page progress
   * when its last page will finish and polls just after (slowing gently, up to 3 s apart, on long
   * jobs without progress), and lets `ocr` ask for the result instead of the status once the job
   * is more likely done than not. `"fixed"` sends one status poll every `pollIntervalMs` after the
   * previous answer, and no result request before a poll saw the job complete: predictable request
   * counts, for servers or proxies that meter them.
   * @default "adaptive"
   */
  pollSchedule?: "adaptive" | "fixed" | undefined;
  /**
   * Also retry uploads whose outcome is unknown (connection lost after the whole file was sent, or
   * a 5xx answer). Safe only when the server honours the `Idempotency-Key` header, as the emulator
   * does; otherwise such a failure raises an error saying a job may exist.
   * @default false
   */
  retryAmbiguousUploads?: boolean | undefined;
  /**
   * Keep finished results and a journal of jobs in flight on disk: `true` for the user's cache
   * folder (e.g. ~/.cache/sotaocr), or a folder path. A cached result costs no request; a job a
   * crashed or failed run left is resumed instead of uploaded again (an upload whose outcome it
   * never learnt is sent again with the same idempotency key); processes sharing the folder upload
   * each file once. Keyed by the file's bytes, page ranges, model profile, format and `baseUrl`.
   * @default false
   */
  cache?: boolean | string | undefined;
  /**
   * The undici `Dispatcher` (an `Agent`, `ProxyAgent`, `MockAgent`…) that sends every request.
   * @default undici's global dispatcher (shared with `fetch`, so `setGlobalDispatcher` applies)
   */
  dispatcher?: Dispatcher | undefined;
  /**
   * Shares what this client's jobs show of the key's pace (how soon jobs start, time per page) with
   * the key's other clients, in other processes or on other machines, and learns theirs: once two
   * of their jobs agree, a client that has just started looks at a short job just after its end
   * instead of a second after the upload while it learns alone. `@sotaocr/queue`'s workers share it
   * through Redis. Only job timings and page counts travel, never keys, files or results; how far
   * past an end to aim stays each client's own (its machine's latency and timers).
   * @default none (each client learns from its own jobs)
   */
  paceExchange?: PaceExchange | undefined;
}

/** How `waitForJob` and `ocr` time their polls (see `ClientOptions.pollSchedule`). */
export type PollScheduleKind = NonNullable<ClientOptions["pollSchedule"]>;

/** Per-call overrides; every method takes them. */
export interface RequestOptions {
  /** Aborts the call, sleeps included, with an `AbortError`. */
  signal?: AbortSignal | undefined;
  /** Overrides the client's `timeoutMs` for each request of this call. */
  timeoutMs?: number | undefined;
  /** Overrides the client's `maxRetries`. */
  maxRetries?: number | undefined;
}

export interface ExtractOptions extends RequestOptions {
  /** Pages to process (1-based, inclusive): `[{ start: 1, end: 3 }]` or `"1-3,5"`. Default: all. */
  pageRanges?: PageRangesInput | undefined;
  /** A model profile from `getInfo().modelProfiles`. Default: the service's. */
  modelProfile?: string | undefined;
  /** Sent as `Idempotency-Key` on every attempt of this upload. Default: a random UUID. */
  idempotencyKey?: string | undefined;
  /** The file name sent with bytes or a Blob (a path sends its own base name). */
  filename?: string | undefined;
  /** Called as the file's bytes are sent. */
  onUploadProgress?: ((progress: UploadProgress) => void) | undefined;
}

export interface WaitOptions {
  /** Called whenever the job's status, page count or completed pages change. */
  onProgress?: ((progress: JobProgress) => void) | undefined;
  /** Milliseconds to wait in all before a `TimeoutError` naming the job. @default the client's jobTimeoutMs */
  timeoutMs?: number | undefined;
  /** Aborts the wait, sleeps included, with an `AbortError` naming the job. */
  signal?: AbortSignal | undefined;
}

export interface OcrOptions extends Omit<ExtractOptions, "timeoutMs">, Omit<WaitOptions, "timeoutMs"> {
  /** Page text format of `pages[].content`. @default "markdown" */
  format?: OcrFormat | undefined;
  /** Milliseconds for the whole call (upload, wait, result). @default the client's jobTimeoutMs */
  timeoutMs?: number | undefined;
  /** Overrides the client's per-request `timeoutMs`. */
  requestTimeoutMs?: number | undefined;
}

export interface GetPagesOptions extends RequestOptions {
  /** Page text format of `pages[].content`. @default "markdown" */
  format?: OcrFormat | undefined;
  /** The page ranges the job was created with, if any. */
  pageRanges?: PageRangesInput | undefined;
}
