import { describe, expect, it } from "vitest";
import { PollSchedule } from "./poll-schedule.js";

/**
 * Polls a simulated job as the schedule asks; returns the delivery delay and the number of polls.
 * `countWhileQueued`: the server reports the page count before the job starts.
 */
function simulate(pages: number, msPerPage: number, queuedMs: number, rttMs = 2, countWhileQueued = false) {
  const end = queuedMs + pages * msPerPage;
  const done = (t: number) => Math.max(0, Math.min(pages, Math.floor((t - queuedMs) / msPerPage)));
  const schedule = new PollSchedule(1000, 0);
  let now = 1000;
  let polls = 1;
  const gaps: number[] = [];
  while (done(now) < pages) {
    schedule.observe(now, done(now), countWhileQueued || now >= queuedMs ? pages : 0);
    const delay = schedule.nextDelay(now);
    gaps.push(delay);
    now += delay + rttMs;
    polls++;
  }
  return { delay: now - end, polls, gaps, baselinePolls: Math.ceil(end / 1000) };
}

const quantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.floor(values.length * q)] as number;

describe("PollSchedule", () => {
  it("never asks for polls closer than the floor", () => {
    for (const [pages, ms, queued] of [
      [1, 300, 0],
      [5, 200, 700],
      [40, 1500, 2500],
      [12, 90, 0],
    ] as const) {
      expect(Math.min(...simulate(pages, ms, queued).gaps)).toBeGreaterThanOrEqual(1000);
    }
  });

  it("never asks for less than the floor, even by a rounding error (times from performance.now() are fractional)", () => {
    const schedule = new PollSchedule(1000, 0);
    schedule.observe(1000, 0, 3);
    schedule.observe(2002, 1, 3);
    schedule.observe(3795.6666666666665, 2, 3);
    expect(schedule.nextDelay(3795.6666666666665)).toBeGreaterThanOrEqual(1000);
  });

  it("slows gently without progress: a twentieth of the time waited, at most 3 s", () => {
    const schedule = new PollSchedule(1000, 0);
    expect(schedule.nextDelay(5_000)).toBe(1000);
    expect(schedule.nextDelay(40_000)).toBe(2000);
    expect(schedule.nextDelay(600_000)).toBe(3000);
  });

  it("bounds the completion from page progress", () => {
    const schedule = new PollSchedule(1000, 0);
    schedule.observe(1000, 0, 10);
    schedule.observe(2000, 2, 10);
    schedule.observe(3000, 3, 10);
    // Fastest fit: start at 1 s, 0.5 s a page → 6 s. Slowest: start at 0, 1 s a page → 10 s
    // (each a few ms wider: the clocks' tolerance).
    const bounds = schedule.completionBounds();
    expect(bounds?.earliest).toBeGreaterThan(5900);
    expect(bounds?.earliest).toBeLessThanOrEqual(6000);
    expect(bounds?.latest).toBeGreaterThanOrEqual(10_000);
    expect(bounds?.latest).toBeLessThan(10_100);
  });

  it("does not take a page count without finished pages for a started job (servers may count pages of queued jobs)", () => {
    // Queued 2.6 s, then 15 pages of 238 ms; the page count is known from the first poll.
    const run = simulate(15, 238, 2600, 2, true);
    expect(run.delay).toBeLessThan(1100);
  });

  it("spends no polls where nothing can be learnt: a long last page is waited out, not polled every second", () => {
    // 8 pages of 7.5 s: between the last page seen and the end, there is nothing to see.
    const run = simulate(8, 7500, 0);
    expect(run.polls).toBeLessThan(run.baselinePolls / 3);
    expect(run.delay).toBeLessThan(1100);
  });

  it("delivers multi-page jobs soon after they end, with far fewer polls than once a second", () => {
    const delays: number[] = [];
    let polls = 0;
    let baselinePolls = 0;
    for (let pages = 11; pages <= 40; pages += 3) {
      for (const msPerPage of [150, 400, 900, 1400]) {
        for (const queued of [0, 800, 2600]) {
          const run = simulate(pages, msPerPage, queued);
          delays.push(run.delay);
          polls += run.polls;
          baselinePolls += run.baselinePolls;
        }
      }
    }
    expect(quantile(delays, 0.5)).toBeLessThan(300);
    expect(quantile(delays, 0.95)).toBeLessThan(700);
    expect(Math.max(...delays)).toBeLessThan(1100);
    expect(polls).toBeLessThan(baselinePolls / 2);
  });

  it("keeps 95 % of deliveries within 0.7 s for jobs of 2–60 s and 3–40 pages that start at once", () => {
    const delays: number[] = [];
    for (let pages = 3; pages <= 40; pages += 2) {
      for (const serverMs of [2000, 3500, 6000, 10_000, 17_000, 30_000, 60_000]) {
        for (const startMs of [-3, 5, 30]) delays.push(simulate(pages, (serverMs / pages) * (1 + (pages % 7) / 50), startMs, 3).delay);
      }
    }
    expect(quantile(delays, 0.5)).toBeLessThan(250);
    expect(quantile(delays, 0.95)).toBeLessThan(700);
  });

  it("says how likely the job is done by a time: 0 before the earliest end, 1 after the latest, rising between", () => {
    const schedule = new PollSchedule(1000, 0);
    expect(schedule.chanceDoneBy(5000)).toBeUndefined(); // no progress yet
    schedule.observe(1000, 0, 10);
    schedule.observe(2000, 2, 10);
    schedule.observe(3000, 3, 10);
    const bounds = schedule.completionBounds() as { earliest: number; latest: number };
    expect(schedule.chanceDoneBy(bounds.earliest - 1)).toBe(0);
    expect(schedule.chanceDoneBy(bounds.latest)).toBe(1);
    const chances = [0.2, 0.4, 0.6, 0.8].map(
      (f) => schedule.chanceDoneBy(bounds.earliest + f * (bounds.latest - bounds.earliest)) as number,
    );
    expect(chances.every((chance, i) => chance > 0 && chance < 1 && (i === 0 || chance >= (chances[i - 1] as number)))).toBe(true);
  });

  it("takes 'not done at t' (a 202) as moving the earliest end past t, and nothing more", () => {
    const schedule = new PollSchedule(1000, 0);
    schedule.observe(1000, 2, 4);
    const before = schedule.completionBounds() as { earliest: number; latest: number };
    schedule.observeNotDone(1500);
    const after = schedule.completionBounds() as { earliest: number; latest: number };
    expect(before.earliest).toBeLessThan(1100);
    expect(after.earliest).toBeGreaterThanOrEqual(1485);
    expect(after.latest).toBeCloseTo(before.latest, 0);
    // Without a page count, there is nothing to record.
    const blind = new PollSchedule(1000, 0);
    blind.observeNotDone(1500);
    expect(blind.completionBounds()).toBeUndefined();
  });
});
