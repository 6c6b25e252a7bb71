import { ApiError } from "./http.js";

/** An inclusive range of 1-based page numbers. */
export interface PageRange {
  start: number;
  end: number;
}

/** Most pages one `page_ranges` field may name in all (a guard against `[{"start":1,"end":1e15}]`). */
const MAX_PAGES = 100_000;

/**
 * Reads the `page_ranges` form field: a JSON array of `{"start","end"}`, 1-based and inclusive.
 * Throws 400 `invalid_page_ranges` saying what is wrong.
 */
export function parsePageRanges(field: string): PageRange[] {
  let value: unknown;
  try {
    value = JSON.parse(field);
  } catch {
    throw invalid(`page_ranges is not JSON: send a JSON array like [{"start":1,"end":3}].`);
  }
  if (!Array.isArray(value) || value.length === 0) {
    throw invalid(`page_ranges must be a non-empty JSON array like [{"start":1,"end":3}].`);
  }
  let pages = 0;
  const ranges = value.map((item: unknown, i) => {
    const range = item as Record<string, unknown> | null;
    if (typeof range !== "object" || range === null || Array.isArray(range))
      throw invalid(`page_ranges[${i}] must be an object {"start","end"}.`);
    const { start, end } = range;
    if (!isPageNumber(start) || !isPageNumber(end)) {
      throw invalid(`page_ranges[${i}] needs "start" and "end" as whole numbers from 1 (1-based, inclusive).`);
    }
    if (start > end) throw invalid(`page_ranges[${i}] starts after it ends (${start} > ${end}).`);
    pages += end - start + 1;
    return { start, end };
  });
  if (pages > MAX_PAGES) throw invalid(`page_ranges names ${pages} pages; at most ${MAX_PAGES} are accepted.`);
  return ranges;
}

/** The pages the ranges name, ascending, each once. */
export function expandPageRanges(ranges: readonly PageRange[]): number[] {
  const pages = new Set<number>();
  for (const { start, end } of ranges) for (let page = start; page <= end; page++) pages.add(page);
  return [...pages].sort((a, b) => a - b);
}

function isPageNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 1;
}

function invalid(message: string): ApiError {
  return new ApiError(400, "invalid_page_ranges", message);
}
