import { describe, expect, it } from "vitest";
import { expandPageRanges, parsePageRanges } from "./page-ranges.js";

describe("parsePageRanges", () => {
  it("reads 1-based inclusive ranges", () => {
    expect(parsePageRanges('[{"start":1,"end":3},{"start":5,"end":5}]')).toEqual([
      { start: 1, end: 3 },
      { start: 5, end: 5 },
    ]);
  });

  it("rejects anything else with 400 invalid_page_ranges", () => {
    for (const field of ["", "x", "null", "[]", "[null]", '[{"start":2,"end":1}]', '[{"start":0,"end":1}]', '{"start":1,"end":2}']) {
      expect(() => parsePageRanges(field), field).toThrow(expect.objectContaining({ status: 400, code: "invalid_page_ranges" }));
    }
  });
});

describe("expandPageRanges", () => {
  it("lists each page once, ascending", () => {
    expect(
      expandPageRanges([
        { start: 4, end: 5 },
        { start: 1, end: 2 },
        { start: 2, end: 4 },
      ]),
    ).toEqual([1, 2, 3, 4, 5]);
  });
});
