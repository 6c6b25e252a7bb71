import { performance } from "node:perf_hooks";
import { JobFailedError, toAbortError } from "../errors.js";
import type { PollScheduleKind, WaitOptions } from "../options/client-options.js";
import type { Job, JobProgress, JobResult } from "../types.js";
import type { PaceMemory } from "./pace-memory.js";
import type { JobPacer } from "./pacer.js";
import { createSchedule } from "./schedule.js";

export interface PollDependencies {
  /** A status poll. Its turn was taken from `pacer` already: it must not wait for another. */
  getJob: (jobId: string, options: { signal?: AbortSignal | undefined }) => Promise<Job>;
  /**
   * Asks for the result instead of the status, as a poll (`ocr` does: it needs the result anyway),
   * its turn taken like `getJob`'s. "not_ready" for a 202 or a result whose pages are not all there
   * yet (against `job`, the job as last seen, or before any status against `pagesSent`, the pages
   * the client counted); "unsupported" when the server refuses result requests before completion;
   * "failed" when it says the job failed (the next look, a status poll, gives the job's own error).
   */
  probeResult?:
    | ((
        jobId: string,
        options: { signal?: AbortSignal | undefined; job?: Job | undefined; pagesSent?: number | undefined },
      ) => Promise<JobResult | ResultProbeMiss>)
    | undefined;
  /** The one throttle of requests about a job: every poll waits for its turn there. */
  pacer: JobPacer;
  /** The client's memory of its key's pace: the schedule starts from it, and learns into it. */
  paceMemory?: PaceMemory | undefined;
  minIntervalMs: number;
  /** When to poll (see `ClientOptions.pollSchedule`). */
  schedule: PollScheduleKind;
}

/** "failed": the result request said the job failed; the status poll that follows says how. */
export type ResultProbeMiss = "not_ready" | "unsupported" | "failed";

export interface PollOutcome {
  job: Job;
  /** The json result, when the poll that found the job complete was a result request. */
  result?: JobResult | undefined;
}

/**
 * A result request goes instead of a status poll once the job is at least this likely complete:
 * when it is, the result comes one request and one round trip sooner; when not, the 202 still
 * says "not done", and only the page count of that moment is missed.
 */
const PROBE_WHEN_CHANCE_DONE = 0.5;

/**
 * Polls until the job completes (returns it) or fails (`JobFailedError`). Ends only that way or
 * through `signal`, which the caller ties to a deadline: unknown statuses count as in progress.
 * `initial` is the job as the upload returned it: the first look goes when the schedule expects the
 * end (from the key's pace, `paceMemory`), at most a full interval later, and the pacer holds it to
 * a full interval after the upload once the server refused an early one. `pageHint`: the pages the
 * client knows it sent, for that first look only (see `PollSchedule.firstDelay`).
 * The schedule says when it would poll next; the pacer lets the poll go then, or later when
 * another request about the job (a retry, a preview, another process) went meanwhile.
 */
export async function waitForJob(
  jobId: string,
  options: WaitOptions & { initial?: Job | undefined; source?: string | undefined; pageHint?: number | undefined },
  deps: PollDependencies,
): Promise<PollOutcome> {
  const { signal, onProgress, initial, source, pageHint } = options;
  const createdAt = performance.now();
  const schedule = createSchedule(deps.schedule, deps.minIntervalMs, createdAt, deps.paceMemory?.prior(), pageHint);
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
  if (initial) {
    report(initial);
    schedule.observe(createdAt, initial.pagesCompleted, initial.pageCount);
  }
  // Only jobs timed from their upload's answer teach the key's pace (a resumed job's start is unknown).
  const learn = (at: number) => {
    if (!initial) return;
    schedule.observeComplete(at);
    const evidence = schedule.evidence();
    if (evidence) deps.paceMemory?.learn(evidence);
  };

  let nextAt = createdAt + (initial ? schedule.firstDelay(createdAt) : 0);
  let last = initial;
  let probeResult = deps.probeResult;
  // The first look is a result request only when the key's pace and the pages sent make the job
  // likely done by then (`chanceDoneBy`); else a status poll, for the page count. A failed job's
  // result request says only "failed": the status poll after it gives the job's own error.
  let probedLast = false;
  while (!signal?.aborted) {
    await deps.pacer.wait(jobId, signal, nextAt);
    const sentAt = performance.now();
    // Never two result requests in a row: a status poll between them keeps progress reported, and
    // catches a job that failed on a server that keeps answering 202 for it.
    if (probeResult && !probedLast && (schedule.chanceDoneBy(sentAt) ?? 0) >= PROBE_WHEN_CHANCE_DONE) {
      probedLast = true;
      const answer = await probeResult(jobId, { signal, job: last, pagesSent: pageHint });
      const now = performance.now();
      if (typeof answer !== "string") {
        const job = completedJob(jobId, answer, last);
        schedule.observe(now, job.pagesCompleted, job.pageCount);
        learn(now);
        report(job);
        return { job, result: answer };
      }
      if (answer === "unsupported")
        probeResult = undefined; // this server answers results only once complete
      else if (answer === "not_ready") schedule.observeNotDone(sentAt);
      nextAt = now + schedule.nextDelay(now);
      continue;
    }
    probedLast = false;
    const job = await deps.getJob(jobId, { signal });
    const now = performance.now();
    last = job;
    schedule.observe(now, job.pagesCompleted, job.pageCount);
    report(job);
    if (job.phase === "completed") {
      learn(now);
      return { job };
    }
    if (job.phase === "failed") throw new JobFailedError(jobId, job.status, job.error?.code, job.error?.message);
    nextAt = now + schedule.nextDelay(now);
  }
  throw toAbortError(signal?.reason, jobId);
}

/** The job as a result that arrived in place of the status poll shows it: complete, every page done. */
function completedJob(jobId: string, result: JobResult, last: Job | undefined): Job {
  const pageCount = last?.pageCount || result.pageCount;
  return {
    id: jobId,
    status: "completed",
    phase: "completed",
    pageCount,
    pagesCompleted: pageCount,
    createdAt: last?.createdAt,
    error: undefined,
    raw: {}, // no status was received: the result stood in for it
  };
}
