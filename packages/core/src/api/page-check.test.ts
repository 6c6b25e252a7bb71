import { describe, expect, it } from "vitest";
import { InvalidResponseError } from "../errors.js";
import { normalizePageRanges } from "../options/page-ranges.js";
import { comparePages, onlyMissing, type PagePromise, pageMismatchError, pagePromise } from "./page-check.js";

const pages = (...numbers: number[]) => numbers.map((pageNumber) => ({ pageNumber, content: `p${pageNumber}` }));
const promise = (pageCount: number | undefined, ranges?: string): PagePromise => ({
  jobId: "job_1",
  pageCount,
  pageRanges: ranges === undefined ? undefined : normalizePageRanges(ranges),
});

describe("comparePages", () => {
  it("accepts exactly the job's pages, in any order", () => {
    expect(comparePages(pages(3, 1, 2), promise(3))).toBeUndefined();
    expect(comparePages(pages(2, 3, 7), promise(3, "2-3,7"))).toBeUndefined();
  });

  it("finds missing pages; only missing means the result may still fill in", () => {
    const mismatch = comparePages(pages(1, 3), promise(3));
    expect(mismatch).toMatchObject({ missing: [2], missingCount: 1, unexpected: [] });
    expect(onlyMissing(mismatch as NonNullable<typeof mismatch>)).toBe(true);
    expect(comparePages(pages(2), promise(undefined, "2-3,7"))?.missing).toEqual([3, 7]);
  });

  it("finds duplicates and pages the job does not have (below 1, past its count, outside its ranges)", () => {
    const dup = comparePages(pages(1, 2, 2), promise(3));
    expect([...(dup?.duplicates ?? [])]).toEqual([[2, 2]]);
    expect(dup?.missing).toEqual([3]);
    expect(onlyMissing(dup as NonNullable<typeof dup>)).toBe(false);
    expect(comparePages(pages(0, -1, 1, 2, 3), promise(2))?.unexpected).toEqual([-1, 0, 3]);
    expect(comparePages(pages(2, 5), promise(2, "2-3"))).toMatchObject({ missing: [3], unexpected: [5] });
  });

  it("takes a count below the ranges as the first pages of them (a server stopping at the document's end)", () => {
    expect(comparePages(pages(5, 6), promise(2, "5-9"))).toBeUndefined();
    expect(comparePages(pages(5, 9), promise(2, "5-9"))).toMatchObject({ missing: [6], unexpected: [9] });
    // A count above the ranges (the document's total, say) does not widen them.
    expect(comparePages(pages(5, 6), promise(40, "5-6"))).toBeUndefined();
  });

  it("with no count anywhere, shows gaps below the highest page, and checks nothing of one whole-document item", () => {
    expect(comparePages(pages(1, 3), promise(undefined))?.missing).toEqual([2]);
    expect(comparePages(pages(1, 2), promise(undefined))).toBeUndefined();
    const whole = [{ pageNumber: 1, content: "all", pageRange: { start: 1, end: 5 } }];
    expect(comparePages(whole, promise(5))).toBeUndefined();
  });

  it("names a few missing pages of a huge job without listing them all", () => {
    const mismatch = comparePages(pages(1), promise(1_000_000_000));
    expect(mismatch?.missingCount).toBe(999_999_999);
    expect(mismatch?.missing).toHaveLength(100);
    expect(pageMismatchError(promise(1_000_000_000), mismatch as NonNullable<typeof mismatch>).message).toContain(
      "pages 2-101 … (999999999 in all) missing",
    );
  });
});

describe("pagePromise", () => {
  it("takes the first count that says something: the job's status, then its results' (0 says nothing)", () => {
    expect(pagePromise("job_1", undefined, 0, undefined, 4, 5).pageCount).toBe(4);
    expect(pagePromise("job_1", undefined, 3, 4).pageCount).toBe(3);
    expect(pagePromise("job_1", undefined, undefined, 0).pageCount).toBeUndefined();
  });
});

describe("pageMismatchError", () => {
  it("names the job, what it promised and every problem", () => {
    const error = pageMismatchError(promise(2, "2-3"), comparePages(pages(2, 2, 5), promise(2, "2-3")) as never);
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error).toMatchObject({ jobId: "job_1", status: 200 });
    expect(error.message).toMatch(
      /^The result of job job_1 does not match the job \(2 pages, pages 2-3 asked for\): page 3 missing; page 2 twice; page 5 not in the job\. /,
    );
  });
});
