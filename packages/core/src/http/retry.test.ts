import { describe, expect, it } from "vitest";
import { backoffMs, isRetriableStatus, MAX_WAIT_FOR_SERVER_MS, parseRetryAfter, retryAfterMisfit } from "./retry.js";

describe("parseRetryAfter", () => {
  const now = Date.parse("2026-11-29T12:00:00Z");
  it("reads seconds, fractional seconds and retry-after-ms", () => {
    expect(parseRetryAfter({ "retry-after": "3" }, now)).toBe(3000);
    expect(parseRetryAfter({ "retry-after": "0.5" }, now)).toBe(500);
    expect(parseRetryAfter({ "retry-after-ms": "250", "retry-after": "9" }, now)).toBe(250);
  });
  it("reads an HTTP date relative to now, never negative", () => {
    expect(parseRetryAfter({ "retry-after": "Sun, 29 Nov 2026 12:00:04 GMT" }, now)).toBe(4000);
    expect(parseRetryAfter({ "retry-after": "Sun, 29 Nov 2026 11:59:00 GMT" }, now)).toBe(0);
  });
  it("ignores what it cannot read", () => {
    expect(parseRetryAfter({ "retry-after": "soon" }, now)).toBeUndefined();
    expect(parseRetryAfter({}, now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe("backoff", () => {
  it("doubles from 0.5 s to at most 8 s, jitter shortening by up to a quarter", () => {
    expect([0, 1, 2, 3, 4, 5, 9].map((retry) => backoffMs(retry, () => 0))).toEqual([500, 1000, 2000, 4000, 8000, 8000, 8000]);
    expect(backoffMs(0, () => 1)).toBe(375);
    expect(backoffMs(4, () => 1)).toBe(6000);
  });
  it("retries the statuses that can pass", () => {
    expect([408, 409, 429, 500, 502, 503, 504].every(isRetriableStatus)).toBe(true);
    expect([400, 401, 403, 404, 413, 415, 422].some(isRetriableStatus)).toBe(false);
  });
});

describe("retryAfterMisfit", () => {
  const full = { budgetLeftMs: MAX_WAIT_FOR_SERVER_MS };
  it("lets any wait through that fits the deadline and the budget, a minute or more included", () => {
    expect(retryAfterMisfit(90_000, full)).toBeUndefined();
    expect(retryAfterMisfit(90_000, { ...full, deadline: { leftMs: 95_000, ms: 1_800_000 } })).toBeUndefined();
  });
  it("names the deadline when the wait would reach it", () => {
    expect(retryAfterMisfit(90_000, { ...full, deadline: { leftMs: 19_400, ms: 20_000 } })).toBe(
      "only 19 s are left of the call's 20 s deadline (timeoutMs)",
    );
  });
  it("names the budget when the wait is longer than what is left of it", () => {
    expect(retryAfterMisfit(3_600_000, full)).toBe("a request waits at most 600 s in all for the server to have room");
    expect(retryAfterMisfit(60_000, { budgetLeftMs: 30_000 })).toMatch(/at most 600 s in all .* \(30 s of that are left\)/);
  });
});
