import { InvalidPageRangeError } from "../errors.js";

/** An inclusive range of 1-based page numbers in the original document. */
export interface PageRange {
  start: number;
  end: number;
}

/** Page ranges as objects (`[{ start: 1, end: 3 }]`) or as a string (`"1-3,5"`). */
export type PageRangesInput = string | readonly PageRange[];

/**
 * Arrays this module made: already checked, sorted and merged. A value checked where it entered
 * (a loader's constructor, the CLI's flags) passes every later door as it is, not checked again.
 */
const normalized = new WeakSet<readonly PageRange[]>();

/**
 * Validates page ranges and returns them sorted with overlapping or adjacent ranges merged, so
 * `"5,1-3,2-4"` becomes `[{start:1,end:5}]`. Throws `InvalidPageRangeError` saying what is wrong.
 * Given its own result, returns it unchanged.
 */
export function normalizePageRanges(input: PageRangesInput): PageRange[] {
  if (typeof input !== "string" && normalized.has(input)) return input as PageRange[];
  const ranges = typeof input === "string" ? parsePageRangeString(input) : input.map((range, i) => checkRange(range, `pageRanges[${i}]`));
  if (ranges.length === 0) {
    throw new InvalidPageRangeError('Page ranges are empty. Leave pageRanges out to process every page, or name pages like "1-3,5".');
  }
  const sorted = [...ranges].sort((a, b) => a.start - b.start || a.end - b.end);
  const merged: PageRange[] = [];
  for (const range of sorted) {
    const last = merged.at(-1);
    if (last && range.start <= last.end + 1) last.end = Math.max(last.end, range.end);
    else merged.push({ ...range });
  }
  normalized.add(merged);
  return merged;
}

/** `[{start:1,end:3},{start:5,end:5}]` → `"1-3,5"`. */
export function formatPageRanges(ranges: readonly PageRange[]): string {
  return ranges.map(({ start, end }) => (start === end ? `${start}` : `${start}-${end}`)).join(",");
}

/** How many pages the (normalised) ranges cover. */
export function countPages(ranges: readonly PageRange[]): number {
  return ranges.reduce((sum, { start, end }) => sum + end - start + 1, 0);
}

/** The original page number of the `index`-th (0-based) requested page, or undefined past the end. */
export function pageAtIndex(ranges: readonly PageRange[], index: number): number | undefined {
  let remaining = index;
  for (const { start, end } of ranges) {
    const size = end - start + 1;
    if (remaining < size) return start + remaining;
    remaining -= size;
  }
  return undefined;
}

/** True when `page` is inside one of the ranges. */
export function includesPage(ranges: readonly PageRange[], page: number): boolean {
  return ranges.some(({ start, end }) => page >= start && page <= end);
}

function parsePageRangeString(text: string): PageRange[] {
  if (text.trim() === "") return [];
  return text.split(",").map((part) => {
    const match = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!match) {
      throw new InvalidPageRangeError(
        `Cannot read page range "${part.trim()}" in "${text}": write pages and ranges like "1-3,5" (1-based, inclusive, no open ends).`,
      );
    }
    const start = Number(match[1]);
    return checkRange({ start, end: match[2] === undefined ? start : Number(match[2]) }, `"${part.trim()}"`);
  });
}

function checkRange(range: PageRange, label: string): PageRange {
  const { start, end } = range ?? ({} as PageRange);
  for (const [name, value] of [
    ["start", start],
    ["end", end],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new InvalidPageRangeError(
        `Page range ${label} has ${name} ${JSON.stringify(value)}: page numbers are whole numbers from 1 (the first page).`,
      );
    }
  }
  if (start > end) {
    throw new InvalidPageRangeError(`Page range ${label} starts after it ends (${start} > ${end}): write it as ${end}-${start}.`);
  }
  return { start, end };
}
