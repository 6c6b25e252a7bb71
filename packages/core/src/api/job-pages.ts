import { InvalidResponseError } from "../errors.js";
import type { PageRange } from "../options/page-ranges.js";
import type { ResolvedRequest } from "../options/resolve.js";
import type { JobPacer } from "../polling/pacer.js";
import type { JobPages, JobResult, OcrFormat } from "../types.js";
import type { Endpoints } from "./endpoints.js";
import { comparePages, onlyMissing, type PagePromise, pageMismatchError, pagePromise } from "./page-check.js";
import { findPageObjects, pagesFromObjects, pagesFromText } from "./pages.js";

// A completed job's results → its pages, checked against the job (docs/api-contract.md#what-makes-a-result-final).

export interface JobPagesOptions {
  request: ResolvedRequest;
  format: OcrFormat;
  /** The (normalised) ranges the job was limited to, if any. */
  pageRanges: PageRange[] | undefined;
  /** The job's page count, from its status, when known. */
  pageCount: number | undefined;
}

/**
 * A job's pages, final only when they are exactly the job's (`comparePages`). Pages merely
 * missing may still come (a job not quite done): the result is asked for again at the poll
 * interval, up to `maxRetries` times. Then, or at once for pages twice or not in the job, an
 * `InvalidResponseError` names them: never some pages passed off as all.
 * `first` is a json result already in hand.
 */
export async function finalPages(
  endpoints: Endpoints,
  pacer: JobPacer,
  jobId: string,
  first: JobResult | undefined,
  options: JobPagesOptions,
): Promise<JobPages> {
  for (let retry = 0; ; retry++) {
    const json = first ?? (await endpoints.getResult(jobId, "json", options.request));
    first = undefined;
    const { pages, promise } = await pagesOf(endpoints, json, options);
    const mismatch = comparePages(pages.pages, promise);
    if (!mismatch) return pages;
    if (!onlyMissing(mismatch) || retry >= options.request.maxRetries) throw pageMismatchError(promise, mismatch);
    await pacer.wait(jobId, options.request.signal);
  }
}

/**
 * The pages in a job's json result; when it has no per-page structure, the text result split on
 * form feeds. With them, what the job promises: its own page count, else the result's.
 */
async function pagesOf(
  endpoints: Endpoints,
  json: JobResult,
  options: JobPagesOptions,
): Promise<{ pages: JobPages; promise: PagePromise }> {
  const { jobId } = json;
  const { format, pageRanges } = options;
  const context = { jobId, format, pageRanges };
  const { content: _content, pages: _pages, ...raw } = json.raw;
  const objects = findPageObjects(json.raw);
  if (objects) {
    const pages = pagesFromObjects(objects, context);
    const promise = pagePromise(jobId, pageRanges, options.pageCount, json.pageCount);
    return { pages: { jobId, format, pages, pageCount: promise.pageCount ?? pages.length, pageSource: "pages", raw }, promise };
  }
  // No per-page structure: split the text result on form feeds.
  const text = await endpoints.getResult(jobId, format, options.request);
  if (typeof text.content !== "string") {
    throw new InvalidResponseError(
      `The ${format} result of job ${jobId} has no text content. Fetch it with getResult("${jobId}") and report its shape.`,
      { status: 200, jobId },
    );
  }
  const promise = pagePromise(jobId, pageRanges, options.pageCount, text.pageCount, json.pageCount);
  const pages = pagesFromText(text.content, promise.pageCount, context);
  const pageSource = pages[0]?.pageRange ? "whole_document" : "form_feeds";
  return { pages: { jobId, format, pages, pageCount: promise.pageCount ?? pages.length, pageSource, raw }, promise };
}
