import { describe, expect, it } from "vitest";
import { parseDuration } from "./duration.js";

describe("parseDuration", () => {
  it("reads units and bare seconds", () => {
    expect(["30m", "90s", "1h", "1500ms", "45", "0.5s", " 2 M "].map(parseDuration)).toEqual([
      1_800_000, 90_000, 3_600_000, 1500, 45_000, 500, 120_000,
    ]);
  });
  it("rejects the rest", () => {
    expect(["", "0", "soon", "-5s", "1d", "5 minutes"].map(parseDuration)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });
});
