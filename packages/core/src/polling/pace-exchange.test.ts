import { describe, expect, it, vi } from "vitest";
import { type PaceExchange, sharedPaceMemory } from "./pace-exchange.js";
import type { PaceEvidence } from "./pace-memory.js";

/** An exchange that hands every message to every subscriber, the sender too, as a bus would. */
function bus() {
  const subscribers: ((message: unknown) => void)[] = [];
  const sent: unknown[] = [];
  const exchange: PaceExchange = {
    publish: (message) => {
      sent.push(message);
      const copy = JSON.stringify(message);
      for (const deliver of subscribers) deliver(JSON.parse(copy));
    },
    subscribe: (deliver) => {
      subscribers.push(deliver);
    },
  };
  return { exchange, sent, subscribers };
}

/** What a job of `total` pages of 300 ms, started at the upload's answer, shows when seen once half done and once complete. */
const jobOf = (total: number): PaceEvidence => ({
  total,
  completedBy: total * 300 + 40,
  sightings: [{ at: Math.floor(total / 2) * 300 + 10, done: Math.floor(total / 2) }],
  earlyLooks: 0,
  foundWhereAimed: true,
});

describe("sharedPaceMemory", () => {
  it("learns the pace of another client's jobs, not its own echoed back, and each message once", () => {
    const { exchange, sent, subscribers } = bus();
    const teacher = sharedPaceMemory(exchange);
    const learner = sharedPaceMemory(exchange);
    teacher.learn(jobOf(2));
    // Its own message came back to it: one job alone gives no prior.
    expect(teacher.prior()).toBeUndefined();
    // Delivered twice: still one job.
    for (const deliver of subscribers) deliver(JSON.parse(JSON.stringify(sent[0])));
    expect(learner.prior()).toBeUndefined();
    teacher.learn(jobOf(3));
    expect(learner.prior()?.pace[0]).toBeLessThanOrEqual(300);
    expect(learner.prior()?.pace[1]).toBeGreaterThanOrEqual(300);
    expect(learner.prior()?.pageCounts).toEqual([2, 3]);
  });

  it("keeps its aim's margin its own: another client's looks were aimed by another machine's timers", () => {
    const { exchange } = bus();
    const teacher = sharedPaceMemory(exchange);
    const learner = sharedPaceMemory(exchange);
    for (const total of [2, 3, 1, 4, 2, 3]) teacher.learn(jobOf(total));
    expect(teacher.prior()?.aimPastEndMs).toBeLessThan(50);
    expect(learner.prior()?.aimPastEndMs).toBe(50);
  });

  it("ignores messages not of its shape, or of no real job", () => {
    const { exchange, sent, subscribers } = bus();
    const teacher = sharedPaceMemory(exchange);
    const learner = sharedPaceMemory(exchange);
    teacher.learn(jobOf(2));
    const good = sent[0] as { pace: object };
    const bad = [
      null,
      "x",
      { ...good, v: 2 },
      { ...good, from: "other", seq: 1, pace: { ...good.pace, total: 0 } },
      // Seen with all its pages done, yet not complete.
      { ...good, from: "other", seq: 2, pace: { total: 1, completedBy: 500, sightings: [{ at: 100, done: 1 }] } },
      // Seen after it was complete.
      { ...good, from: "other", seq: 3, pace: { total: 2, completedBy: 500, sightings: [{ at: 900, done: 1 }] } },
    ];
    for (const message of bad) for (const deliver of subscribers) deliver(message);
    expect(learner.prior()).toBeUndefined();
    teacher.learn(jobOf(3));
    expect(learner.prior()?.pageCounts).toEqual([2, 3]);
  });

  it("a publish that throws or rejects costs the job nothing", async () => {
    const unhandled = vi.fn();
    process.on("unhandledRejection", unhandled);
    try {
      const throwing = sharedPaceMemory({
        publish: () => {
          throw new Error("bus down");
        },
        subscribe: () => undefined,
      });
      const rejecting = sharedPaceMemory({ publish: async () => Promise.reject(new Error("bus down")), subscribe: () => undefined });
      for (const memory of [throwing, rejecting]) {
        expect(() => memory.learn(jobOf(2))).not.toThrow();
        memory.learn(jobOf(3));
        expect(memory.prior()?.pageCounts).toEqual([2, 3]);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off("unhandledRejection", unhandled);
    }
  });
});
