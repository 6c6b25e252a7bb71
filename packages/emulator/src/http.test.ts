import { describe, expect, it } from "vitest";
import { isoSeconds, retryAfterValue } from "./http.js";

describe("retryAfterValue", () => {
  it("gives whole seconds, rounded up, at least 1", () => {
    expect(retryAfterValue(1, "seconds")).toBe("1");
    expect(retryAfterValue(1000, "seconds")).toBe("1");
    expect(retryAfterValue(1001, "seconds")).toBe("2");
  });

  it("gives an HTTP date no earlier than the end of the wait", () => {
    for (const now of [1_700_000_000_000, 1_700_000_000_999, 1_700_000_000_500]) {
      for (const ms of [1, 400, 1000, 2500]) {
        const date = Date.parse(retryAfterValue(ms, "date", now));
        expect(date).toBeGreaterThanOrEqual(now + Math.max(ms, 1000));
        expect(date - now).toBeLessThanOrEqual(Math.max(ms, 1000) + 1000);
      }
    }
    expect(retryAfterValue(1000, "date", 1_700_000_000_000)).toBe("Tue, 14 Nov 2023 22:13:21 GMT");
  });
});

describe("isoSeconds", () => {
  it("formats timestamps as the API docs do, without milliseconds", () => {
    expect(isoSeconds(Date.UTC(2026, 2, 24, 12, 0, 0, 789))).toBe("2026-03-24T12:00:00Z");
  });
});
