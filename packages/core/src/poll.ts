import { performance } from "node:perf_hooks";
import { JobFailedError, toAbortError } from "./errors.js";
import { PollSchedule } from "./poll-schedule.js";
import { sleep } from "./sleep.js";
import type { Job, JobProgress } from "./types.js";

export interface WaitOptions {
  /** Called whenever the job's status, page count or completed pages change. */
  onProgress?: ((progress: JobProgress) => void) | undefined;
  /** Milliseconds to wait in all before a `TimeoutError` naming the job. @default the client's jobTimeoutMs */
  timeoutMs?: number | undefined;
  /** Aborts the wait, sleeps included, with an `AbortError` naming the job. */
  signal?: AbortSignal | undefined;
}

export interface PollDependencies {
  getJob: (jobId: string, options: { signal?: AbortSignal | undefined }) => Promise<Job>;
  minIntervalMs: number;
}

/**
 * Polls until the job completes (returns it) or fails (`JobFailedError`). Ends only that way or
 * through `signal`, which the caller ties to a deadline: unknown statuses count as in progress.
 * `initial` is the job as the upload returned it, so the first poll waits a full interval.
 */
export async function waitForJob(
  jobId: string,
  options: WaitOptions & { initial?: Job | undefined; source?: string | undefined },
  deps: PollDependencies,
): Promise<Job> {
  const { signal, onProgress, initial, source } = options;
  const schedule = new PollSchedule(deps.minIntervalMs, performance.now());
  let reported: string | undefined;
  const report = (job: Job) => {
    const progress: JobProgress = { jobId, source, status: job.status, pageCount: job.pageCount, pagesCompleted: job.pagesCompleted };
    if (source === undefined) delete progress.source;
    // "0 pages" and "not said yet" are the same news: report each real change once.
    const key = `${progress.status}|${progress.pageCount ?? 0}|${progress.pagesCompleted ?? 0}`;
    if (key !== reported) {
      reported = key;
      onProgress?.(progress);
    }
  };
  if (initial) report(initial);

  let delay = initial ? deps.minIntervalMs : 0;
  while (!signal?.aborted) {
    await sleep(delay, signal).catch((reason) => {
      throw toAbortError(reason, jobId);
    });
    const job = await deps.getJob(jobId, { signal });
    const now = performance.now();
    schedule.observe(now, job.pagesCompleted, job.pageCount);
    report(job);
    if (job.phase === "completed") return job;
    if (job.phase === "failed") throw new JobFailedError(jobId, job.status, job.error?.code, job.error?.message);
    delay = schedule.nextDelay(now);
  }
  throw toAbortError(signal?.reason, jobId);
}
