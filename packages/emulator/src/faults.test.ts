import { describe, expect, it } from "vitest";
import { FaultInjector, mulberry32 } from "./faults.js";
import { resolveOptions } from "./options.js";

const injector = (faults: NonNullable<Parameters<typeof resolveOptions>[0]>["faults"]) =>
  new FaultInjector(resolveOptions({ faults }).faults);

describe("faults", () => {
  it("mulberry32 is deterministic, in [0, 1), and differs between seeds", () => {
    const a = Array.from({ length: 1000 }, mulberry32(42));
    expect(Array.from({ length: 1000 }, mulberry32(42))).toEqual(a);
    expect(Array.from({ length: 1000 }, mulberry32(43))).not.toEqual(a);
    expect(a.every((n) => n >= 0 && n < 1)).toBe(true);
    const mean = a.reduce((sum, n) => sum + n, 0) / a.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
  });

  it("injects each fault at about its probability, one at most per request", () => {
    const faults = injector({ seed: 1, reset: 0.1, serverError: 0.2, rateLimit: 0.1, slow: 0.1, ambiguousUpload: 0.1 });
    const counts: Record<string, number> = {};
    const statuses = new Set<number>();
    for (let i = 0; i < 20_000; i++) {
      const decision = faults.forRequest("extract");
      const kind = decision?.kind ?? "none";
      counts[kind] = (counts[kind] ?? 0) + 1;
      if (decision?.kind === "server_error") statuses.add(decision.status);
    }
    const share = (kind: string) => (counts[kind] ?? 0) / 20_000;
    expect(share("reset")).toBeCloseTo(0.1, 1);
    expect(share("server_error")).toBeCloseTo(0.2, 1);
    expect(share("rate_limit")).toBeCloseTo(0.1, 1);
    expect(share("slow")).toBeCloseTo(0.1, 1);
    expect(share("ambiguous_upload")).toBeCloseTo(0.1, 1);
    expect(share("none")).toBeCloseTo(0.4, 1);
    expect([...statuses].sort()).toEqual([500, 502, 503]);
  });

  it("applies request faults only to the routes listed, and ambiguous uploads only to uploads", () => {
    const faults = injector({ seed: 1, ambiguousUpload: 1, routes: ["extract", "job"] });
    expect(faults.forRequest("balance")).toBeUndefined();
    expect(faults.forRequest("job")).toBeUndefined();
    expect(faults.forRequest("extract")).toEqual({ kind: "ambiguous_upload" });
  });

  it("fails jobs by probability or by listed SHA-256", () => {
    expect(injector({ failFiles: ["ABC"] }).failsJob("abc")).toBe(true);
    expect(injector({ failFiles: ["abc"] }).failsJob("def")).toBe(false);
    expect(injector({ failJob: 1 }).failsJob("def")).toBe(true);
  });

  it("alternates Retry-After forms with both", () => {
    const faults = injector({ retryAfter: "both" });
    expect([1, 2, 3].map(() => faults.nextRetryAfterForm())).toEqual(["seconds", "date", "seconds"]);
    expect(injector({ retryAfter: "date" }).nextRetryAfterForm()).toBe("date");
  });
});
