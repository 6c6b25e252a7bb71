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

/** Every request the emulator saw, in arrival order, for test assertions. */
export class RequestLog {
  readonly #entries: RequestLogEntry[] = [];

  /** All entries, in arrival order (a copy of the list; the entries themselves are live). */
  get entries(): readonly RequestLogEntry[] {
    return [...this.#entries];
  }

  /** Adds an entry; used by the server. */
  add(entry: RequestLogEntry): RequestLogEntry {
    this.#entries.push(entry);
    return entry;
  }

  /** Requests to `POST /v1/extract`. */
  uploads(): RequestLogEntry[] {
    return this.#entries.filter((entry) => entry.route === "extract");
  }

  /** How many uploads of each file (by SHA-256) were received whole. */
  uploadCountBySha256(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const entry of this.uploads()) if (entry.sha256) counts[entry.sha256] = (counts[entry.sha256] ?? 0) + 1;
    return counts;
  }

  /** Arrival times (ms) of the polls of one job: status requests, and result requests answered 202 (or refused as too early). */
  pollTimes(jobId: string): number[] {
    return this.#entries.filter((entry) => entry.poll && entry.jobId === jobId).map((entry) => entry.time);
  }

  /** Forgets every entry. */
  clear(): void {
    this.#entries.length = 0;
  }
}
