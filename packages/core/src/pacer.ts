import { performance } from "node:perf_hooks";
import { sleep } from "./sleep.js";

const MAX_TRACKED_JOBS = 10_000;

/**
 * Keeps polls of one job at least `intervalMs` apart, retries included, counted from the end of
 * the previous request about the job (its answer or its failure), which is never before the server
 * saw it.
 */
export class JobPacer {
  readonly #intervalMs: number;
  readonly #lastEnd = new Map<string, number>();

  constructor(intervalMs: number) {
    this.#intervalMs = intervalMs;
  }

  /** Waits until a request about `jobId` may be sent. */
  async wait(jobId: string, signal?: AbortSignal): Promise<void> {
    const last = this.#lastEnd.get(jobId);
    if (last !== undefined) await sleep(last + this.#intervalMs - performance.now(), signal);
  }

  /** Records that a request about `jobId` just ended. */
  mark(jobId: string): void {
    this.#lastEnd.delete(jobId);
    this.#lastEnd.set(jobId, performance.now());
    if (this.#lastEnd.size > MAX_TRACKED_JOBS) {
      const oldest = this.#lastEnd.keys().next().value;
      if (oldest !== undefined) this.#lastEnd.delete(oldest);
    }
  }

  /** Forgets a job that reached its end. */
  forget(jobId: string): void {
    this.#lastEnd.delete(jobId);
  }
}
