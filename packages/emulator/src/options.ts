import { availableParallelism } from "node:os";
import type { Engine } from "./engine.js";
import { checkOcrModel, type OcrModel } from "./engines/local/ocr-model.js";
import { DEFAULT_MAX_PAGE_PIXELS } from "./engines/local/page-size.js";
import { DEFAULT_MAX_LOG_ENTRIES } from "./request-log.js";

/** The routes of the API, as the request log and `faults.routes` name them. */
export type RouteName = "extract" | "job" | "result" | "preview" | "balance" | "info";

export const ROUTE_NAMES: readonly RouteName[] = ["extract", "job", "result", "preview", "balance", "info"];

/**
 * How `GET /v1/jobs/{id}/result` lays out a result (see docs/api-contract.md#the-json-result): the canonical form,
 * or one of the variants the real service may use, so clients can be tested on each.
 */
export type ResultShape = "canonical" | "content-array" | "content-pages" | "paddle" | "text-formfeed" | "text-whole";

export const RESULT_SHAPES: readonly ResultShape[] = [
  "canonical",
  "content-array",
  "content-pages",
  "paddle",
  "text-formfeed",
  "text-whole",
];

/** How the pages of a job limited with `page_ranges` are numbered in its result. */
export type PageNumbering = "original" | "relative";

/** The well-known key the emulator accepts by default (like LocalStack's "test"); not a secret. */
export const DEFAULT_API_KEY = "sotaocr-emulator";

/** The model profiles `GET /api/v1/info` lists; every one works the same in the emulator. */
export const MODEL_PROFILES: readonly string[] = ["standard", "fast", "accurate"];

export interface SyntheticOptions {
  /** Time each page takes, in ms (a timer, not CPU). @default 50 */
  msPerPage?: number | undefined;
  /** Pages of every document, instead of counting a PDF's `/Type /Page` objects. */
  pageCount?: number | undefined;
}

export interface LocalOptions {
  /**
   * Most pixels of one PDF page render (preview or OCR), so a small file declaring a huge page
   * cannot take gigabytes of memory. A page whose preview (at 144 dpi) would be larger fails the job
   * with `page_too_large`; an OCR render that would be larger is made at a lower resolution.
   * @default 40000000 (40 megapixels: an A0 page fits)
   */
  maxPagePixels?: number | undefined;
  /**
   * tesseract's English model: "fast" (tessdata_fast, what native tesseract reads with on most
   * systems) or "best" (tessdata_best, integer: about 1.4× the time a page). Not to be confused
   * with an upload's `model_profile`, which the emulator accepts but does not read differently.
   * @default "fast"
   */
  ocrModel?: OcrModel | undefined;
}

/** Misbehaviour to inject, so clients can be tested on the failures a real service has. */
export interface FaultOptions {
  /** Seed of the fault generator (mulberry32): the same seed and requests give the same faults. @default random */
  seed?: number | undefined;
  /** Probability, per request, of a 500, 502 or 503 answer (nothing is processed). @default 0 */
  serverError?: number | undefined;
  /** Probability, per request, of a spurious 429 `rate_limited` answer. @default 0 */
  rateLimit?: number | undefined;
  /** Form of `Retry-After` on 429 and 503 answers; "both" alternates. @default "seconds" */
  retryAfter?: "seconds" | "date" | "both" | undefined;
  /**
   * Probability, per request, that the connection is destroyed without an answer. Uploads are cut
   * before their body is read, so no job exists. @default 0
   */
  reset?: number | undefined;
  /** Probability, per request, that the answer is delayed by `slowMs`. @default 0 */
  slow?: number | undefined;
  /** The delay of a slow answer, in ms. @default 2000 */
  slowMs?: number | undefined;
  /** Probability, per upload, that the job is created and the connection then dropped unanswered. @default 0 */
  ambiguousUpload?: number | undefined;
  /** Probability, per job, that it ends `failed` with error code `ocr_failed`. @default 0 */
  failJob?: number | undefined;
  /** The routes request faults apply to (`failJob` and `failFiles` apply to every job). @default all */
  routes?: RouteName[] | undefined;
  /** SHA-256 (hex) of uploads whose jobs always fail with `ocr_failed`: deterministic failing documents. */
  failFiles?: string[] | undefined;
}

export interface EmulatorOptions {
  /** Interface to listen on: a host name or IP address, never empty ("0.0.0.0" for every interface). @default "127.0.0.1" */
  host?: string | undefined;
  /** Port to listen on; 0 picks a free one. @default 0 */
  port?: number | undefined;
  /** Accepted API keys; each has its own jobs and balance. @default ["sotaocr-emulator"] */
  apiKeys?: string[] | undefined;
  /** Directory uploads are stored in. @default a fresh temporary directory, removed by `close()` */
  dataDir?: string | undefined;
  /**
   * The OCR engine: "local" (pdf.js text layer + tesseract.js, offline), "synthetic" (deterministic
   * text at a set pace, for tests and benchmarks), or your own `Engine`. @default "local"
   */
  engine?: "local" | "synthetic" | Engine | undefined;
  /** Options of the synthetic engine. */
  synthetic?: SyntheticOptions | undefined;
  /** Options of the local engine. */
  local?: LocalOptions | undefined;
  /** Layout of the JSON result (and of markdown/text for "text-whole"). @default "canonical" */
  resultShape?: ResultShape | undefined;
  /** "relative" numbers the pages of a page-range job 1..k (page_index 0..k-1 for "paddle"). @default "original" */
  pageNumbering?: PageNumbering | undefined;
  /** Largest accepted upload, in bytes; larger ones get 413 `file_too_large`. @default 268435456 (256 MiB) */
  maxUploadBytes?: number | undefined;
  /**
   * Longest time a request may take to arrive, headers and body, in ms; a slower one gets 408
   * `request_timeout` and its connection is closed (what it uploaded so far is removed). Headers
   * alone get at most 10 s of it. @default 120000 (2 min)
   */
  requestTimeoutMs?: number | undefined;
  /** Connections open at once; one more is closed as soon as it is accepted, unanswered. @default 1000 */
  maxConnections?: number | undefined;
  /** Polls of one job closer than this (ms) to its previous accepted poll get 429 `rate_limited`. @default 1000 */
  pollIntervalMs?: number | undefined;
  /** Jobs processed at once. @default os.availableParallelism() */
  jobConcurrency?: number | undefined;
  /** Pending and running jobs one key may have; uploads beyond get 429. @default unlimited */
  maxActiveJobsPerKey?: number | undefined;
  /** Requests per second one key may send, all routes together; beyond get 429. @default unlimited */
  requestsPerSecond?: number | undefined;
  /** Pages each key may have processed. @default 10000 */
  initialBalance?: number | undefined;
  /** Finished jobs (and their files) are deleted this long after they finish, in ms. @default 3600000 (1 h) */
  jobTtlMs?: number | undefined;
  /**
   * Requests `emulator.log` keeps; older ones are dropped first, so memory stays bounded however
   * many requests arrive. Paths, queries and `Idempotency-Key`s longer than 256 characters are cut
   * short in it. @default 10000
   */
  maxLogEntries?: number | undefined;
  /** Faults to inject. @default none */
  faults?: FaultOptions | undefined;
  /**
   * One line per request (method, path, status, ms, job id; never a key): `true` prints to stdout,
   * a function receives each line. @default false
   */
  log?: boolean | ((line: string) => void) | undefined;
}

/** Options with defaults applied and values checked. */
export interface ResolvedOptions {
  host: string;
  port: number;
  apiKeys: string[];
  dataDir: string | undefined;
  engine: "local" | "synthetic" | Engine;
  synthetic: { msPerPage: number; pageCount: number | undefined };
  local: { maxPagePixels: number; ocrModel: OcrModel };
  resultShape: ResultShape;
  pageNumbering: PageNumbering;
  maxUploadBytes: number;
  requestTimeoutMs: number;
  /** `requestTimeoutMs`, but at most 10 s: the part of it the headers may take. */
  headersTimeoutMs: number;
  maxConnections: number;
  pollIntervalMs: number;
  jobConcurrency: number;
  maxActiveJobsPerKey: number;
  requestsPerSecond: number;
  initialBalance: number;
  jobTtlMs: number;
  maxLogEntries: number;
  faults: ResolvedFaults;
  log: ((line: string) => void) | undefined;
}

export interface ResolvedFaults {
  seed: number;
  serverError: number;
  rateLimit: number;
  retryAfter: "seconds" | "date" | "both";
  reset: number;
  slow: number;
  slowMs: number;
  ambiguousUpload: number;
  failJob: number;
  routes: ReadonlySet<RouteName>;
  failFiles: ReadonlySet<string>;
}

export const DEFAULT_MAX_UPLOAD_BYTES = 256 * 1024 * 1024;
/** Enough for a 256 MiB upload at 2 MB/s; a connection trickling its body is not held longer. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 2 * 60_000;
/** Real clients send their headers at once; a connection trickling them is not held longer than this (ms). */
const HEADERS_TIMEOUT_MS = 10_000;
/** Far above what a test suite opens, low enough that idle or trickling connections cannot exhaust the process. */
export const DEFAULT_MAX_CONNECTIONS = 1000;

/** Applies defaults and checks every value, throwing a `TypeError` that names the bad option. */
export function resolveOptions(options: EmulatorOptions = {}): ResolvedOptions {
  const apiKeys = options.apiKeys ?? [DEFAULT_API_KEY];
  if (!Array.isArray(apiKeys) || apiKeys.length === 0 || !apiKeys.every((key) => typeof key === "string" && key.length > 0)) {
    throw new TypeError("apiKeys must be a non-empty array of non-empty strings.");
  }
  if (new Set(apiKeys).size !== apiKeys.length) throw new TypeError("apiKeys must not repeat a key.");
  const engine = options.engine ?? "local";
  if (engine !== "local" && engine !== "synthetic" && !(typeof engine === "object" && engine && typeof engine.open === "function")) {
    throw new TypeError(`engine must be "local", "synthetic" or an Engine object, not ${JSON.stringify(engine)}.`);
  }
  const resultShape = options.resultShape ?? "canonical";
  if (!RESULT_SHAPES.includes(resultShape)) {
    throw new TypeError(`resultShape must be one of ${RESULT_SHAPES.join(", ")}, not ${JSON.stringify(resultShape)}.`);
  }
  const pageNumbering = options.pageNumbering ?? "original";
  if (pageNumbering !== "original" && pageNumbering !== "relative") {
    throw new TypeError(`pageNumbering must be "original" or "relative", not ${JSON.stringify(pageNumbering)}.`);
  }
  const log = options.log === true ? (line: string) => console.log(line) : typeof options.log === "function" ? options.log : undefined;
  const host = options.host ?? "127.0.0.1";
  // An empty host makes Node listen on every interface, the opposite of what it looks like.
  if (typeof host !== "string" || host.trim() === "") {
    throw new TypeError(
      `host must be a host name or IP address to listen on, such as "127.0.0.1" (this machine only) or "0.0.0.0" (every interface), not ${JSON.stringify(host)}.`,
    );
  }
  const requestTimeoutMs = positiveInt(options.requestTimeoutMs, "requestTimeoutMs") ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new TypeError(`port must be a whole number 0–65535, not ${port}.`);
  return {
    host,
    port,
    apiKeys: [...apiKeys],
    dataDir: options.dataDir,
    engine,
    synthetic: {
      msPerPage: nonNegative(options.synthetic?.msPerPage, "synthetic.msPerPage") ?? 50,
      pageCount: positiveInt(options.synthetic?.pageCount, "synthetic.pageCount"),
    },
    local: {
      maxPagePixels: positiveInt(options.local?.maxPagePixels, "local.maxPagePixels") ?? DEFAULT_MAX_PAGE_PIXELS,
      ocrModel: checkOcrModel(options.local?.ocrModel, "local.ocrModel"),
    },
    resultShape,
    pageNumbering,
    maxUploadBytes: positiveInt(options.maxUploadBytes, "maxUploadBytes") ?? DEFAULT_MAX_UPLOAD_BYTES,
    requestTimeoutMs,
    headersTimeoutMs: Math.min(requestTimeoutMs, HEADERS_TIMEOUT_MS),
    maxConnections: positiveInt(options.maxConnections, "maxConnections") ?? DEFAULT_MAX_CONNECTIONS,
    pollIntervalMs: nonNegative(options.pollIntervalMs, "pollIntervalMs") ?? 1000,
    jobConcurrency: positiveInt(options.jobConcurrency, "jobConcurrency") ?? availableParallelism(),
    maxActiveJobsPerKey: positiveInt(options.maxActiveJobsPerKey, "maxActiveJobsPerKey") ?? Number.POSITIVE_INFINITY,
    requestsPerSecond: positiveInt(options.requestsPerSecond, "requestsPerSecond") ?? Number.POSITIVE_INFINITY,
    initialBalance: nonNegative(options.initialBalance, "initialBalance") ?? 10_000,
    jobTtlMs: positive(options.jobTtlMs, "jobTtlMs") ?? 60 * 60_000,
    maxLogEntries: positiveInt(options.maxLogEntries, "maxLogEntries") ?? DEFAULT_MAX_LOG_ENTRIES,
    faults: resolveFaults(options.faults ?? {}),
    log,
  };
}

function resolveFaults(faults: FaultOptions): ResolvedFaults {
  const routes = faults.routes ?? ROUTE_NAMES;
  for (const route of routes) {
    if (!ROUTE_NAMES.includes(route))
      throw new TypeError(`faults.routes: unknown route ${JSON.stringify(route)} (${ROUTE_NAMES.join(", ")}).`);
  }
  const retryAfter = faults.retryAfter ?? "seconds";
  if (retryAfter !== "seconds" && retryAfter !== "date" && retryAfter !== "both") {
    throw new TypeError(`faults.retryAfter must be "seconds", "date" or "both", not ${JSON.stringify(retryAfter)}.`);
  }
  const resolved: ResolvedFaults = {
    seed: faults.seed ?? Math.floor(Math.random() * 2 ** 32),
    serverError: probability(faults.serverError, "faults.serverError"),
    rateLimit: probability(faults.rateLimit, "faults.rateLimit"),
    retryAfter,
    reset: probability(faults.reset, "faults.reset"),
    slow: probability(faults.slow, "faults.slow"),
    slowMs: nonNegative(faults.slowMs, "faults.slowMs") ?? 2000,
    ambiguousUpload: probability(faults.ambiguousUpload, "faults.ambiguousUpload"),
    failJob: probability(faults.failJob, "faults.failJob"),
    routes: new Set(routes),
    failFiles: new Set((faults.failFiles ?? []).map((sha) => sha.toLowerCase())),
  };
  if (!Number.isFinite(resolved.seed)) throw new TypeError("faults.seed must be a number.");
  const total = resolved.serverError + resolved.rateLimit + resolved.reset + resolved.slow + resolved.ambiguousUpload;
  if (total > 1 + 1e-9) {
    throw new TypeError(
      `faults: serverError + rateLimit + reset + slow + ambiguousUpload is ${total}; a request gets at most one fault, so they must add up to 1 or less.`,
    );
  }
  return resolved;
}

function probability(value: number | undefined, name: string): number {
  if (value === undefined) return 0;
  if (typeof value !== "number" || !(value >= 0 && value <= 1))
    throw new TypeError(`${name} must be a probability from 0 to 1, not ${value}.`);
  return value;
}

function nonNegative(value: number | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !(value >= 0) || !Number.isFinite(value))
    throw new TypeError(`${name} must be a number ≥ 0, not ${value}.`);
  return value;
}

function positive(value: number | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !(value > 0)) throw new TypeError(`${name} must be a number > 0, not ${value}.`);
  return value;
}

function positiveInt(value: number | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || value < 1) throw new TypeError(`${name} must be a whole number ≥ 1, not ${value}.`);
  return value;
}
