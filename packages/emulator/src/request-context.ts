import type { IncomingMessage, ServerResponse } from "node:http";
import type { Account } from "./accounts.js";
import type { Engine } from "./engine.js";
import type { FaultDecision, FaultInjector } from "./faults.js";
import type { JobQueue } from "./jobs.js";
import type { ResolvedOptions } from "./options.js";
import type { RequestLogEntry } from "./request-log.js";

/** What every route handler may use: the server's configuration and shared parts. */
export interface ServerState {
  readonly config: ResolvedOptions;
  /** Where uploads are stored. */
  readonly dataDir: string;
  readonly engine: Engine;
  readonly jobs: JobQueue;
  readonly faults: FaultInjector;
  /** Aborted when the server closes: ends injected delays and engine work. */
  readonly closing: AbortSignal;
}

/** One authenticated request on a known route. */
export interface RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** Its request log entry; handlers fill in the job, the upload's hash and size, whether it is a poll. */
  readonly entry: RequestLogEntry;
  readonly account: Account;
  /** The fault injected into this request, if any. */
  readonly fault: FaultDecision | undefined;
  /** `performance.now()` when the request arrived. */
  readonly arrival: number;
  /** Route parameters, raw: handlers validate them. */
  readonly jobId: string | undefined;
  readonly page: string | undefined;
  readonly query: URLSearchParams;
}

/**
 * A handler's answer, sent by the pipeline after any injected delay. `undefined` means the handler
 * dealt with the connection itself (an injected drop).
 */
export type Reply =
  | { status: number; json: unknown; headers?: Record<string, string> }
  | { status: number; bytes: Uint8Array; contentType: string }
  | undefined;

/** Resolves after `ms`, or at once when `signal` aborts (never rejects). */
export function delayUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted || ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
