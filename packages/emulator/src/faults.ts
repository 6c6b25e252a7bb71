import type { ResolvedFaults, RouteName } from "./options.js";
import type { InjectedFault } from "./request-log.js";

/** mulberry32: a small, fast PRNG; the same seed gives the same sequence in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What to do to one request. */
export type FaultDecision =
  | { kind: "reset" }
  | { kind: "server_error"; status: 500 | 502 | 503 }
  | { kind: "rate_limit" }
  | { kind: "slow"; delayMs: number }
  | { kind: "ambiguous_upload" };

const SERVER_ERRORS = [500, 502, 503] as const;

/**
 * Decides the faults of requests and jobs from one seeded sequence. Each eligible request takes
 * exactly one number and each new job one more, so a sequential client sees the same faults on
 * every run with the same seed. Request faults are exclusive: the number falls in at most one band.
 */
export class FaultInjector {
  readonly #faults: ResolvedFaults;
  readonly #random: () => number;
  #retryAfterCount = 0;

  constructor(faults: ResolvedFaults) {
    this.#faults = faults;
    this.#random = mulberry32(faults.seed);
  }

  /** True when any request fault can happen at all. */
  get active(): boolean {
    const f = this.#faults;
    return f.reset + f.serverError + f.rateLimit + f.slow + f.ambiguousUpload > 0;
  }

  /** The fault for a request on `route`, if any. */
  forRequest(route: RouteName): FaultDecision | undefined {
    const f = this.#faults;
    if (!this.active || !f.routes.has(route)) return undefined;
    const u = this.#random();
    let start = 0;
    const band = (p: number) => {
      const hit = u >= start && u < start + p;
      start += p;
      return hit;
    };
    if (band(f.reset)) return { kind: "reset" };
    const errorStart = start;
    if (band(f.serverError)) {
      const index = Math.min(2, Math.floor(((u - errorStart) / f.serverError) * 3));
      return { kind: "server_error", status: SERVER_ERRORS[index] ?? 500 };
    }
    if (band(f.rateLimit)) return { kind: "rate_limit" };
    if (band(f.slow)) return { kind: "slow", delayMs: f.slowMs };
    if (band(f.ambiguousUpload) && route === "extract") return { kind: "ambiguous_upload" };
    return undefined;
  }

  /** Whether a new job fails on purpose (`failJob`, or its file is in `failFiles`). */
  failsJob(sha256: string): boolean {
    const listed = this.#faults.failFiles.has(sha256);
    if (this.#faults.failJob <= 0) return listed;
    return this.#random() < this.#faults.failJob || listed;
  }

  /** The `Retry-After` form of the next 429/503 answer ("both" alternates, seconds first). */
  nextRetryAfterForm(): "seconds" | "date" {
    const form = this.#faults.retryAfter;
    if (form !== "both") return form;
    return this.#retryAfterCount++ % 2 === 0 ? "seconds" : "date";
  }
}

/** The request log's name of a decision. */
export function faultName(decision: FaultDecision): InjectedFault {
  return decision.kind;
}
