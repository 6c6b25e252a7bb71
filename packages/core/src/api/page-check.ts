import { InvalidResponseError } from "../errors.js";
import { countPages, formatPageRanges, includesPage, type PageRange, pageAtIndex } from "../options/page-ranges.js";
import type { OcrPage } from "../types.js";

// One rule for every path that turns a result into pages (the probe while polling, ocr(),
// getPages): the pages must be exactly the job's, each once.

/** What a job promises its result holds. */
export interface PagePromise {
  jobId: string;
  /** Pages in the job: its status's `page_count`, else the result's; undefined when neither says. */
  pageCount: number | undefined;
  /** The ranges the job was limited to (normalised), if any. */
  pageRanges: readonly PageRange[] | undefined;
}

/** What a job promises: the first page count that says something (the job's status, then its results'), and its ranges. */
export function pagePromise(jobId: string, pageRanges: readonly PageRange[] | undefined, ...counts: (number | undefined)[]): PagePromise {
  return { jobId, pageCount: counts.find((count) => count !== undefined && count > 0), pageRanges };
}

/** How a result's pages differ from the job's. */
export interface PageMismatch {
  /** The job's pages the result lacks (the first {@link LISTED}), and how many in all. */
  missing: number[];
  missingCount: number;
  /** Page numbers found more than once, with how often. */
  duplicates: Map<number, number>;
  /** Page numbers the job does not have: below 1, past its count, outside its ranges. */
  unexpected: number[];
}

const LISTED = 100;

/**
 * Compares a result's pages with what the job promises; undefined when they match. The job's pages
 * are 1..pageCount, or the first pageCount pages of its ranges (a server may stop at the end of the
 * document). With no count anywhere, the ranges are the promise, else the highest page number
 * found (so gaps still show). One item for the whole document (no per-page structure, nothing to
 * split on) covers the job's pages by construction: nothing to compare.
 */
export function comparePages(pages: readonly OcrPage[], promise: PagePromise): PageMismatch | undefined {
  if (pages.some((page) => page.pageRange)) return undefined;
  const ranges = promise.pageRanges;
  const requested = ranges ? countPages(ranges) : undefined;
  const count = promise.pageCount && promise.pageCount > 0 ? promise.pageCount : undefined;
  const total =
    count !== undefined ? Math.min(count, requested ?? count) : (requested ?? pages.reduce((max, p) => Math.max(max, p.pageNumber), 0));
  const inJob = (n: number) => n >= 1 && (ranges ? includesPage(ranges, n) && indexInRanges(ranges, n) < total : n <= total);

  const seen = new Map<number, number>();
  const unexpected = new Set<number>();
  for (const { pageNumber } of pages) {
    if (inJob(pageNumber)) seen.set(pageNumber, (seen.get(pageNumber) ?? 0) + 1);
    else unexpected.add(pageNumber);
  }
  const duplicates = new Map([...seen].filter(([, times]) => times > 1));
  const missingCount = total - seen.size;
  const missing: number[] = [];
  // Stops once enough are named: at most seen.size + LISTED steps, however large the job.
  for (let i = 0; missing.length < Math.min(missingCount, LISTED); i++) {
    const n = ranges ? (pageAtIndex(ranges, i) as number) : i + 1;
    if (!seen.has(n)) missing.push(n);
  }
  if (missingCount === 0 && duplicates.size === 0 && unexpected.size === 0) return undefined;
  return { missing, missingCount, duplicates, unexpected: [...unexpected].sort((a, b) => a - b) };
}

/** True when pages are only missing: the result may still fill in (a job not quite done). */
export function onlyMissing(mismatch: PageMismatch): boolean {
  return mismatch.duplicates.size === 0 && mismatch.unexpected.length === 0;
}

/** The error for a result whose pages are not the job's: it names the job and the pages. */
export function pageMismatchError(promise: PagePromise, mismatch: PageMismatch): InvalidResponseError {
  const { jobId, pageCount, pageRanges } = promise;
  const problems = [
    mismatch.missingCount > 0 ? `${pageList(mismatch.missing, mismatch.missingCount)} missing` : "",
    ...[...mismatch.duplicates].map(([n, times]) => `page ${n} ${times === 2 ? "twice" : `${times} times`}`),
    mismatch.unexpected.length > 0 ? `${pageList(mismatch.unexpected, mismatch.unexpected.length)} not in the job` : "",
  ].filter(Boolean);
  const about = [pageCount ? `${pageCount} pages` : "", pageRanges ? `pages ${formatPageRanges(pageRanges)} asked for` : ""].filter(
    Boolean,
  );
  return new InvalidResponseError(
    `The result of job ${jobId} does not match the job${about.length ? ` (${about.join(", ")})` : ""}: ${problems.join("; ")}. ` +
      `No pages are returned rather than some: try getPages("${jobId}") again later, and if it persists report the result ` +
      `(getResult("${jobId}")) to the maintainers.`,
    { status: 200, jobId },
  );
}

/** "page 2", "pages 2-4,9", "pages 2-101 … (250 in all)". */
function pageList(numbers: readonly number[], count: number): string {
  const sorted = [...numbers].sort((a, b) => a - b);
  const runs: PageRange[] = [];
  for (const n of sorted) {
    const last = runs.at(-1);
    if (last && n === last.end + 1) last.end = n;
    else runs.push({ start: n, end: n });
  }
  return `${count === 1 ? "page" : "pages"} ${formatPageRanges(runs)}${count > numbers.length ? ` … (${count} in all)` : ""}`;
}

/** The 0-based position of `page` among the pages the ranges cover (it must be in one). */
function indexInRanges(ranges: readonly PageRange[], page: number): number {
  let before = 0;
  for (const { start, end } of ranges) {
    if (page <= end) return before + page - start;
    before += end - start + 1;
  }
  return before;
}
