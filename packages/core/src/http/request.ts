import { performance } from "node:perf_hooks";
import { APIError, RateLimitError, toAbortError } from "../errors.js";
import { deadlineOf, sleep } from "../utils/timers.js";
import { backoffMs, MAX_WAIT_FOR_SERVER_MS, parseRetryAfter, retryAfterMisfit, retryDelayMs } from "./retry.js";
import { type Attempt, type AttemptResult, send, type TransportConfig } from "./transport.js";

/** A request as the caller describes it; the timeout and signal come from its `CallOptions`. */
export type RequestSpec = Omit<Attempt, "timeoutMs" | "signal">;

/** How one request is sent: its limits, what is retried, and hooks around each attempt (pacing). */
export interface CallOptions {
  signal: AbortSignal | undefined;
  /** Per attempt, in ms. */
  timeoutMs: number;
  maxRetries: number;
  retryable: (error: unknown) => boolean;
  /** Runs before each attempt (`attemptNo` from 0); after it, `afterAttempt`, with the attempt's error if it failed. */
  beforeAttempt?: ((signal: AbortSignal | undefined, attemptNo: number) => Promise<void>) | undefined;
  afterAttempt?: ((error: unknown) => void) | undefined;
}

/**
 * Sends a request, retrying as `options` allow, and waits between attempts without busy loops.
 * `spec` may be a function, called for each attempt (an upload's body is made anew every time).
 *
 * A 429 means "come back later", with nothing done: it is waited out as `Retry-After` asks (backing
 * off when it gives no usable time) without using up a retry, so a busy account slows a batch down
 * instead of failing its files; up to {@link MAX_WAIT_FOR_SERVER_MS} in all and never past the
 * call's deadline (`maxRetries` 0: fail fast). A wait the server asked for that does not fit is
 * an error at once, saying so.
 */
export async function sendWithRetries(
  config: TransportConfig,
  spec: RequestSpec | (() => RequestSpec),
  options: CallOptions,
): Promise<AttemptResult> {
  let waitedForServerMs = 0;
  for (let retry = 0, attemptNo = 0, capacityWaits = 0; ; attemptNo++) {
    const request = typeof spec === "function" ? spec() : spec;
    if (options.beforeAttempt) {
      await options.beforeAttempt(options.signal, attemptNo).catch((reason) => {
        throw toAbortError(reason, request.jobId);
      });
    }
    let error: unknown;
    try {
      return await send(config, { ...request, timeoutMs: options.timeoutMs, signal: options.signal });
    } catch (caught) {
      error = caught;
    } finally {
      options.afterAttempt?.(error); // the request ended: pacing counts from here, not from after a backoff
    }
    const asked = error instanceof APIError ? parseRetryAfter(error.headers) : undefined;
    const waitForCapacity = error instanceof RateLimitError && options.maxRetries > 0 && waitedForServerMs < MAX_WAIT_FOR_SERVER_MS;
    if (!waitForCapacity && (retry >= options.maxRetries || !options.retryable(error))) throw error;
    // Without a usable Retry-After (none, 0, a date past), capacity waits back off too.
    const delay = waitForCapacity ? asked || backoffMs(capacityWaits++) : retryDelayMs(error, retry++);
    // A wait the server asked for is waited out, however long, when the call has the time; else it fails now.
    const deadline = deadlineOf(options.signal);
    const room = {
      budgetLeftMs: MAX_WAIT_FOR_SERVER_MS - waitedForServerMs,
      deadline: deadline && { leftMs: deadline.at - performance.now(), ms: deadline.ms },
    };
    const serverAsked = error instanceof APIError && asked !== undefined && asked > 0 && delay === asked;
    const misfit = serverAsked ? retryAfterMisfit(delay, room) : undefined;
    if (misfit) throw retryAfterTooLong(error as APIError, delay, misfit);
    // Up to a fifth more, so files waiting on the same account do not all come back at once (within the room left).
    const roomMs = Math.min(room.budgetLeftMs, room.deadline?.leftMs ?? Number.POSITIVE_INFINITY);
    const wait = waitForCapacity ? Math.max(delay, Math.min(delay * (1 + Math.random() / 5), roomMs)) : delay;
    if (waitForCapacity || serverAsked) waitedForServerMs += wait;
    await sleep(wait, options.signal, request.jobId);
  }
}

/** The server's error, now saying why the wait it asked for is not waited out (it was made by this request, seen by no one yet). */
function retryAfterTooLong(error: APIError, waitMs: number, misfit: string): APIError {
  const resume = error.jobId ? ` Job ${error.jobId} keeps running on the server: resume with waitForJob("${error.jobId}") later.` : "";
  error.message =
    `${error.message} The server asked to wait ${Math.ceil(waitMs / 1000)} s (Retry-After) before trying again, but ${misfit}: ` +
    `try again later, or give the call more time.${resume}`;
  return error;
}
