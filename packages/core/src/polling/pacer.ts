import { performance } from "node:perf_hooks";
import { sleep } from "../utils/timers.js";

const MAX_TRACKED_JOBS = 10_000;

/**
 * Keeps polls of one job at least `intervalMs` apart, retries included: a request waits until a
 * second after the previous one's turn, and a second after the last one that ended (its answer or
 * its failure, never before the server saw it). Requests about one job sent at once (previews of
 * its pages, say) so go one a second rather than together.
 *
 * The client's one throttle for requests about a job: the poll loop asks it for a turn no sooner
 * than its schedule wants (`notBefore`), status and result requests wait on it before each attempt.
 *
 * The upload does not count: the API limits polls of a job, and a job's first look may come sooner
 * than an interval after the upload (docs/api-contract.md, "Rate limits and polling"). If a server
 * answers such an early first look with 429 before it answered any, that assumption is wrong for
 * it: from then on the upload's answer counts as a request about its job, so first looks wait a
 * full interval. Once one early first look was answered, a 429 to another comes from the key's
 * other limits (requests per second, say), which a longer wait for every job would not help.
 */
export class JobPacer {
  readonly #intervalMs: number;
  readonly #lastEnd = new Map<string, number>();
  /** The time the latest request about the job was let go, or is booked to be. */
  readonly #lastTurn = new Map<string, number>();
  /** When the uploads of jobs not looked at yet were answered. */
  readonly #uploadedAt = new Map<string, number>();
  /** Whether this server counts an upload as a poll of its job: unknown until an early first look is answered or refused. */
  #uploadsCount: boolean | undefined;

  constructor(intervalMs: number) {
    this.#intervalMs = intervalMs;
  }

  /**
   * Waits until a request about `jobId` may be sent, and not before `notBefore` (a
   * `performance.now()` time); an abort is an `AbortError` naming the job.
   */
  async wait(jobId: string, signal?: AbortSignal, notBefore = Number.NEGATIVE_INFINITY): Promise<void> {
    const lastEnd = this.#lastEnd.get(jobId) ?? (this.#uploadsCount ? this.#uploadedAt.get(jobId) : undefined);
    const lastTurn = this.#lastTurn.get(jobId);
    const now = performance.now();
    if (lastEnd === undefined && lastTurn === undefined && notBefore <= now) {
      this.#remember(this.#lastTurn, jobId, now);
      return;
    }
    const turn = Math.max(now, notBefore, (lastEnd ?? -Infinity) + this.#intervalMs, (lastTurn ?? -Infinity) + this.#intervalMs);
    this.#remember(this.#lastTurn, jobId, turn);
    await sleep(turn - performance.now(), signal, jobId);
    // The request before may have ended later than its turn: keep a full interval after its end.
    for (
      let end = this.#lastEnd.get(jobId) ?? lastEnd;
      end !== undefined && end + this.#intervalMs > performance.now();
      end = this.#lastEnd.get(jobId)
    ) {
      await sleep(end + this.#intervalMs - performance.now(), signal, jobId);
    }
  }

  /** Records that the upload that created `jobId` was just answered. */
  uploaded(jobId: string): void {
    this.#remember(this.#uploadedAt, jobId, performance.now());
  }

  /** Records that a request about `jobId` just ended; `refused`: with a 429. */
  mark(jobId: string, refused = false): void {
    const uploadedAt = this.#uploadedAt.get(jobId);
    if (uploadedAt !== undefined) {
      // The job's first look, sent sooner than an interval after the upload: a 429 to it says the
      // upload counts, unless such a look was answered before.
      const sentAt = this.#lastTurn.get(jobId) ?? performance.now();
      if (sentAt - uploadedAt < this.#intervalMs) this.#uploadsCount ??= refused;
      this.#uploadedAt.delete(jobId);
    }
    this.#remember(this.#lastEnd, jobId, performance.now());
  }

  /**
   * Records that a request about `jobId` may have been made as late as `at` (epoch ms) by another
   * process, so the next one here waits a full interval after it.
   */
  markElsewhere(jobId: string, at: number): void {
    const ended = performance.now() - Math.max(0, Date.now() - at);
    if (ended > (this.#lastEnd.get(jobId) ?? -Infinity)) this.#remember(this.#lastEnd, jobId, ended);
  }

  /** Forgets a job that reached its end. */
  forget(jobId: string): void {
    this.#lastEnd.delete(jobId);
    this.#lastTurn.delete(jobId);
    this.#uploadedAt.delete(jobId);
  }

  #remember(map: Map<string, number>, jobId: string, at: number): void {
    map.delete(jobId);
    map.set(jobId, at);
    if (map.size > MAX_TRACKED_JOBS) {
      const oldest = map.keys().next().value;
      if (oldest !== undefined) map.delete(oldest);
    }
  }
}
