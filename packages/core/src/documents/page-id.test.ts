import { describe, expect, it } from "vitest";
import { pageId, wholeResultId } from "./page-id.js";

describe("pageId", () => {
  const sha = "a".repeat(64);
  it("is a UUID that depends only on the file hash and the page", () => {
    expect(pageId(sha, 1)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(pageId(sha, 1)).toBe(pageId(sha, 1));
    expect(new Set([pageId(sha, 1), pageId(sha, 2), pageId(sha, "all"), pageId("b".repeat(64), 1)]).size).toBe(4);
  });

  it("names a whole result by its page ranges, written as everywhere else (formatPageRanges)", () => {
    expect(
      wholeResultId(sha, [
        { start: 2, end: 3 },
        { start: 5, end: 5 },
      ]),
    ).toBe(pageId(sha, "all:2-3,5"));
    expect(wholeResultId(sha, undefined)).toBe(pageId(sha, "all"));
  });
});
