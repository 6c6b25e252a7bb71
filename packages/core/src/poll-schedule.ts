/**
 * When to poll a job next. Polls are never closer than `minIntervalMs` (the API's once-a-second
 * rule). With page progress, it predicts when the last page will finish and aims just past that
 * moment, halving the distance on the way so the estimate sharpens as the job nears its end: long
 * jobs take few polls, and a result is picked up soon after it exists. Without progress it polls
 * at the floor, slowing gently (never beyond a fifth of the time already waited) on long jobs.
 */
export class PollSchedule {
  readonly #minIntervalMs: number;
  readonly #startedAt: number;
  /** First sighting of each completed-page count: (time, pages). */
  readonly #points: { at: number; done: number }[] = [];
  #total: number | undefined;

  constructor(minIntervalMs: number, startedAt: number) {
    this.#minIntervalMs = minIntervalMs;
    this.#startedAt = startedAt;
  }

  /** Records what a poll at time `at` saw. */
  observe(at: number, pagesCompleted: number | undefined, pageCount: number | undefined): void {
    if (pageCount) this.#total = pageCount;
    if (pagesCompleted === undefined) return;
    const last = this.#points.at(-1);
    if (!last || pagesCompleted > last.done) this.#points.push({ at, done: pagesCompleted });
  }

  /** The predicted completion time, when progress allows a prediction. */
  predictedCompletion(): number | undefined {
    const total = this.#total;
    const last = this.#points.at(-1);
    if (!total || !last || last.done <= 0 || last.done >= total) return undefined;
    // Pages finish at a steady rate from the start: the first sighting of each count is late by
    // up to one poll, so the latest sighting gives a rate that errs slow — we aim a little late.
    const msPerPage = (last.at - this.#startedAt) / last.done;
    return last.at + (total - last.done) * msPerPage;
  }

  /** Milliseconds to wait, from `now`, before the next poll. */
  nextDelay(now: number): number {
    const floor = this.#minIntervalMs;
    const predicted = this.predictedCompletion();
    if (predicted === undefined) {
      const waited = now - this.#startedAt;
      return Math.max(floor, Math.min(waited / 5, 10 * floor));
    }
    const remaining = predicted - now;
    // Far away: go halfway, to re-estimate with fresher progress. Close: aim just past the end.
    if (remaining > 4 * floor) return Math.max(floor, remaining / 2);
    return Math.max(floor, remaining + AIM_PAST_END_MS);
  }
}

/** How far past the predicted end a poll aims, to absorb a little jitter in page times. */
const AIM_PAST_END_MS = 100;
