import { describe, expect, it } from "vitest";
import { PaceMemory } from "./pace-memory.js";
import { objectiveRange, planesFor } from "./pace-model.js";
import { PollSchedule } from "./poll-schedule.js";

/**
 * Runs a simulated job (`pages` pages of `msPerPage`, started `startMs` after the upload's answer)
 * through a schedule that starts from `memory`, as `waitForJob` does, and lets the memory learn
 * from it. Returns when it was seen complete, less its end, and the times of its looks.
 */
function runJob(memory: PaceMemory, pages: number, msPerPage: number, startMs = -5, rttMs = 2, { hinted = false } = {}) {
  const end = startMs + pages * msPerPage;
  const done = (t: number) => Math.max(0, Math.min(pages, Math.floor((t - startMs) / msPerPage)));
  const schedule = new PollSchedule(1000, 0, memory.prior(), hinted ? pages : undefined);
  const looks: number[] = [];
  let now = schedule.firstDelay(0) + rttMs;
  for (;;) {
    looks.push(now);
    schedule.observe(now, done(now), pages);
    if (done(now) >= pages) break;
    now += schedule.nextDelay(now) + rttMs;
  }
  schedule.observeComplete(now);
  const evidence = schedule.evidence();
  if (evidence) memory.learn(evidence);
  return { delay: now - end, looks };
}

describe("PaceMemory", () => {
  it("gives no prior until two completed jobs agree, then ranges that hold the key's pace and wait", () => {
    const memory = new PaceMemory();
    runJob(memory, 2, 500);
    expect(memory.prior()).toBeUndefined();
    runJob(memory, 3, 500);
    for (const pages of [1, 4, 2, 3, 1, 4]) runJob(memory, pages, 500);
    const prior = memory.prior();
    expect(prior?.pace[0]).toBeLessThanOrEqual(500);
    expect(prior?.pace[1]).toBeGreaterThanOrEqual(500);
    expect(prior?.pace[1]).toBeLessThan(1000); // narrower than "done by the first look at 1 s"
    expect(prior?.wait[0]).toBeLessThanOrEqual(-5);
    expect(prior?.wait[1]).toBeGreaterThanOrEqual(-5);
  });

  it("lands a one-page job's first look just past its end, and keeps later looks a second apart", () => {
    const memory = new PaceMemory();
    for (let i = 0; i < 16; i++) runJob(memory, 1 + (i % 4), 500);
    const short = runJob(memory, 1, 500);
    expect(short.looks).toHaveLength(1);
    expect(short.delay).toBeGreaterThanOrEqual(0);
    expect(short.delay).toBeLessThan(200);
    for (const pages of [2, 3, 4]) {
      const { looks } = runJob(memory, pages, 500);
      expect(looks[0]).toBeLessThan(1000);
      for (let i = 1; i < looks.length; i++) expect((looks[i] as number) - (looks[i - 1] as number)).toBeGreaterThanOrEqual(1000);
    }
  });

  it("starts afresh when a job does not fit the pace learnt (it changed), and learns the new one", () => {
    const memory = new PaceMemory();
    for (const pages of [2, 3, 1, 4, 2]) runJob(memory, pages, 300);
    expect(memory.prior()?.pace[1]).toBeLessThan(600);
    runJob(memory, 3, 900); // three times slower: its looks contradict the prior
    expect(memory.prior()).toBeUndefined();
    for (const pages of [2, 3, 1, 4]) runJob(memory, pages, 900);
    expect(memory.prior()?.pace[0]).toBeGreaterThan(600);
    expect(memory.prior()?.pace[1]).toBeGreaterThanOrEqual(900);
  });

  it("brings its looks closer to the end while they find jobs complete, below the loosened latest end, and backs off after one came too early", () => {
    const memory = new PaceMemory();
    for (let i = 0; i < 4; i++) runJob(memory, 1 + (i % 2), 500);
    const margin = () => memory.prior()?.aimPastEndMs as number;
    const before = runJob(memory, 1, 500);
    expect(margin()).toBeLessThan(50);
    for (let i = 0; i < 24; i++) runJob(memory, 1 + (i % 2), 500);
    // Down to 10 ms past the latest end the jobs showed, before the memory's 30 ms of slack.
    expect(margin()).toBe(-20);
    const after = runJob(memory, 1, 500);
    expect(after.looks).toHaveLength(1);
    expect(after.delay).toBeGreaterThanOrEqual(0);
    expect(after.delay).toBeLessThan(before.delay - 50);
    // That look, before the memory's latest end, is still sure enough to be the result request.
    const next = new PollSchedule(1000, 0, memory.prior(), 1);
    const look = next.firstDelay(0);
    const [, latest] = objectiveRange([...planesFor([], 0), ...(memory.prior()?.planes ?? [])], 1, 1) ?? [0, 0];
    expect(look).toBeLessThan(latest);
    expect(next.chanceDoneBy(look)).toBe(1);
    // A job whose aimed look found it running, seen complete by the next: back by the slack, then doubled.
    const early = { total: 1, completedBy: 1500, sightings: [{ at: 530, done: 0 }], earlyLooks: 1, foundWhereAimed: false };
    memory.learn(early);
    expect(margin()).toBe(10);
    memory.learn(early);
    expect(margin()).toBe(40);
    memory.learn(early);
    expect(margin()).toBe(80);
  });

  it("narrows a pace that began wide (a slow first wave), when the client knows the pages it sent", () => {
    const memory = new PaceMemory();
    // As a bench run saw it: the first jobs started late under the load of starting up, seen at
    // the first look a second after the upload, and 4-page jobs with a page done at 1 s.
    for (let i = 0; i < 7; i++) runJob(memory, 1, 500, 40, 20);
    for (let i = 0; i < 3; i++) runJob(memory, 4, 500, 60, 20);
    const wide = memory.prior()?.pace as [number, number];
    expect(wide[1]).toBeGreaterThan(560);
    const delays: number[] = [];
    for (let i = 0; i < 40; i++) delays.push(runJob(memory, [2, 4, 1, 3][i % 4] as number, 500, -5, 2, { hinted: true }).delay);
    const [low, high] = memory.prior()?.pace ?? [0, Number.POSITIVE_INFINITY];
    expect(high - low).toBeLessThanOrEqual(100);
    expect(high).toBeGreaterThanOrEqual(500);
    // Once narrow, its jobs are seen soon after their end.
    const last = delays.slice(-12);
    expect(last.reduce((sum, delay) => sum + delay, 0) / last.length).toBeLessThan(150);
  });

  it("drops the memory for a job that queued (it did not start by the upload's answer)", () => {
    const memory = new PaceMemory();
    for (const pages of [2, 3, 1, 4, 2]) runJob(memory, pages, 300);
    runJob(memory, 3, 300, 1500);
    expect(memory.prior()).toBeUndefined();
  });
});
