import { describe, expect, it } from "vitest";
import { backoffMs, isRetriableStatus, parseRetryAfter } from "./retry.js";

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
