import type { PollScheduleKind } from "../options/client-options.js";
import type { PaceEvidence, PacePrior } from "./pace-memory.js";
import { PollSchedule } from "./poll-schedule.js";

/** When to poll a job next, from what the polls so far saw (`waitForJob` asks it after each answer). */
export interface Schedule {
  /** Records what a status poll at `at` saw. */
  observe(at: number, pagesCompleted: number | undefined, pageCount: number | undefined): void;
  /** Records that a result request at `at` found the job not complete (a 202). */
  observeNotDone(at: number): void;
  /** How likely the job is complete at `at`, 0 to 1; undefined while there is no estimate. */
  chanceDoneBy(at: number): number | undefined;
  /** Milliseconds to wait, from `now`, before the next poll (never less than the poll interval). */
  nextDelay(now: number): number;
  /** Milliseconds from `now`, just after the upload, to the first look (at most the poll interval). */
  firstDelay(now: number): number;
  /** Records that a look at `at` found the job complete. */
  observeComplete(at: number): void;
  /** What the job showed of the key's pace, once complete; undefined when it says nothing. */
  evidence(): PaceEvidence | undefined;
}

/**
 * The schedule `pollSchedule` names: the adaptive `PollSchedule` (page progress → polls just after
 * the likely end), or one poll every `minIntervalMs` whatever the job's progress, and never a guess
 * that it is done (so `waitForJob` asks for no result before a status says "completed"), nor a
 * first look sooner than an interval after the upload. `prior`: see `PaceMemory`; `pageHint`: see
 * `PollSchedule`.
 */
export function createSchedule(
  kind: PollScheduleKind,
  minIntervalMs: number,
  createdAt: number,
  prior?: PacePrior,
  pageHint?: number,
): Schedule {
  if (kind === "adaptive") return new PollSchedule(minIntervalMs, createdAt, prior, pageHint);
  return {
    observe: () => {},
    observeNotDone: () => {},
    chanceDoneBy: () => undefined,
    nextDelay: () => minIntervalMs,
    firstDelay: () => minIntervalMs,
    observeComplete: () => {},
    evidence: () => undefined,
  };
}
