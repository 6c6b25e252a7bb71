import type { RouteName } from "./options.js";

/** A fault the emulator injected into one request. */
export type InjectedFault = "server_error" | "rate_limit" | "reset" | "slow" | "ambiguous_upload";

/** One request as the emulator saw it. API keys are never recorded, only their index. */
export interface RequestLogEntry {
  /** When the request arrived: `performance.now()` of the server's process, in ms. */
  time: number;
  method: string;
  /** The URL path, without the query. */
  path: string;
  /** The query string without "?", "" when none. */
  query: string;
  /** The route that matched, undefined for unknown paths. */
  route: RouteName | undefined;
  /** The status answered; undefined while unanswered, or when the connection was dropped. */
  status: number | undefined;
  /** Milliseconds from arrival to the end of the answer (or the drop). */
  durationMs: number | undefined;
  /** The job concerned: from the path, or the job an upload created or replayed. */
  jobId: string | undefined;
  /** Index in `apiKeys` of the key used, undefined when missing or unknown. */
  keyIndex: number | undefined;
  /** The `Idempotency-Key` header, if sent. */
  idempotencyKey: string | undefined;
  /** The fault injected, if any. */
  fault: InjectedFault | undefined;
  /** True for a request that counts as a poll: a job status request, or a result request while the job is unfinished. */
  poll: boolean;
  /** Uploads: SHA-256 (hex) of the file received, when it was received whole. */
  sha256?: string | undefined;
  /** Uploads: bytes of the file received. */
  bytes?: number | undefined;
}

/** How many entries a log keeps unless told otherwise. */
export const DEFAULT_MAX_LOG_ENTRIES = 10_000;

/** Longest path, query or `Idempotency-Key` kept whole; longer ones are cut to this many characters, the last one "…". */
export const MAX_LOGGED_CHARS = 256;

/**
 * The requests the emulator saw, in arrival order, for test assertions: the newest `maxEntries`,
 * older ones dropped first, so a flood of requests cannot grow the server's memory without end.
 */
export class RequestLog {
  readonly #maxEntries: number;
  /** A ring: once full, `#oldest` is where the next entry goes. */
  #slots: RequestLogEntry[] = [];
  #oldest = 0;

  constructor(maxEntries: number = DEFAULT_MAX_LOG_ENTRIES) {
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
      throw new TypeError(`maxEntries must be a whole number ≥ 1, not ${maxEntries}.`);
    }
    this.#maxEntries = maxEntries;
  }

  /** The entries kept, in arrival order (a copy of the list; the entries themselves are live). */
  get entries(): readonly RequestLogEntry[] {
    return [...this.#slots.slice(this.#oldest), ...this.#slots.slice(0, this.#oldest)];
  }

  /** Adds an entry, dropping the oldest when full, and cuts its long texts short; used by the server. */
  add(entry: RequestLogEntry): RequestLogEntry {
    entry.path = shorten(entry.path);
    entry.query = shorten(entry.query);
    if (entry.idempotencyKey !== undefined) entry.idempotencyKey = shorten(entry.idempotencyKey);
    if (this.#slots.length < this.#maxEntries) {
      this.#slots.push(entry);
    } else {
      this.#slots[this.#oldest] = entry;
      this.#oldest = (this.#oldest + 1) % this.#maxEntries;
    }
    return entry;
  }

  /** Requests to `POST /v1/extract`. */
  uploads(): RequestLogEntry[] {
    return this.entries.filter((entry) => entry.route === "extract");
  }

  /** How many uploads of each file (by SHA-256) were received whole. */
  uploadCountBySha256(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const entry of this.uploads()) if (entry.sha256) counts[entry.sha256] = (counts[entry.sha256] ?? 0) + 1;
    return counts;
  }

  /** Arrival times (ms) of the polls of one job: status requests, and result requests answered 202 (or refused as too early). */
  pollTimes(jobId: string): number[] {
    return this.entries.filter((entry) => entry.poll && entry.jobId === jobId).map((entry) => entry.time);
  }

  /**
   * The requests about one job after its upload (status, result, previews), each with `sinceUpload`:
   * ms from the end of the upload's answer, when the client could first act on it. Empty when the
   * upload is not in the log.
   */
  looksAfterUpload(jobId: string): (RequestLogEntry & { sinceUpload: number })[] {
    const about = this.entries.filter((entry) => entry.jobId === jobId);
    const upload = about.find((entry) => entry.route === "extract");
    if (!upload) return [];
    const answered = upload.time + (upload.durationMs ?? 0);
    return about.filter((entry) => entry.route !== "extract").map((entry) => ({ ...entry, sinceUpload: entry.time - answered }));
  }

  /** Forgets every entry. */
  clear(): void {
    this.#slots = [];
    this.#oldest = 0;
  }
}

/** `text`, or its first characters and "…" when longer than `MAX_LOGGED_CHARS`. */
function shorten(text: string): string {
  if (text.length <= MAX_LOGGED_CHARS) return text;
  let end = MAX_LOGGED_CHARS - 1;
  // Do not keep half of a surrogate pair.
  if (/[\uD800-\uDBFF]/.test(text.charAt(end - 1))) end--;
  // A copy: a slice of a string keeps the whole original alive in V8, and it may be 16 KB.
  return `${Buffer.from(text.slice(0, end), "utf16le").toString("utf16le")}…`;
}
