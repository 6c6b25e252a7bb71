import { describe, expect, it } from "vitest";
import { InvalidPageRangeError } from "../errors.js";
import { countPages, formatPageRanges, includesPage, normalizePageRanges, pageAtIndex } from "./page-ranges.js";

describe("normalizePageRanges", () => {
  it("reads strings with single pages, ranges and spaces", () => {
    expect(normalizePageRanges("1-3, 5")).toEqual([
      { start: 1, end: 3 },
      { start: 5, end: 5 },
    ]);
    expect(normalizePageRanges(" 7 ")).toEqual([{ start: 7, end: 7 }]);
  });

  it("sorts and merges overlapping and adjacent ranges", () => {
    expect(normalizePageRanges("9,5,1-3,2-4")).toEqual([
      { start: 1, end: 5 },
      { start: 9, end: 9 },
    ]);
    expect(
      normalizePageRanges([
        { start: 4, end: 6 },
        { start: 1, end: 3 },
      ]),
    ).toEqual([{ start: 1, end: 6 }]);
  });

  it("does not mutate the caller's ranges", () => {
    const ranges = [
      { start: 3, end: 4 },
      { start: 1, end: 2 },
    ];
    normalizePageRanges(ranges);
    expect(ranges).toEqual([
      { start: 3, end: 4 },
      { start: 1, end: 2 },
    ]);
  });

  it.each([
    ["0", /whole numbers from 1/],
    ["-2", /Cannot read page range/],
    ["3-1", /starts after it ends \(3 > 1\): write it as 1-3/],
    ["1-", /Cannot read page range/],
    ["a-b", /Cannot read page range/],
    ["1.5", /Cannot read page range/],
    ["1,,2", /Cannot read page range/],
    ["", /empty/],
  ])("rejects %j with a message that says how to write it", (input, message) => {
    expect(() => normalizePageRanges(input)).toThrow(InvalidPageRangeError);
    expect(() => normalizePageRanges(input)).toThrow(message);
  });

  it.each([
    [[{ start: 0, end: 2 }], /start 0/],
    [[{ start: -1, end: 2 }], /start -1/],
    [[{ start: 1.5, end: 2 }], /start 1.5/],
    [[{ start: 2, end: 1 }], /starts after it ends/],
    [[{ start: 1 } as { start: number; end: number }], /end undefined/],
    [[], /empty/],
  ])("rejects objects %j", (input, message) => {
    expect(() => normalizePageRanges(input)).toThrow(message);
  });
});

describe("page range helpers", () => {
  const ranges = normalizePageRanges("2-3,7");
  it("formats, counts and indexes", () => {
    expect(formatPageRanges(ranges)).toBe("2-3,7");
    expect(countPages(ranges)).toBe(3);
    expect([0, 1, 2, 3].map((i) => pageAtIndex(ranges, i))).toEqual([2, 3, 7, undefined]);
    expect([1, 2, 7, 8].map((page) => includesPage(ranges, page))).toEqual([false, true, true, false]);
  });

  it("passes its own result on as it is (checked once where it entered), and checks anything else", () => {
    const checked = normalizePageRanges("5,1-3");
    expect(normalizePageRanges(checked)).toBe(checked);
    const lookalike = [{ start: 3, end: 1 }];
    expect(() => normalizePageRanges(lookalike)).toThrow(InvalidPageRangeError);
  });
});
