import type { SupportedFileType } from "./input/file-type.js";
import type { PageRange } from "./options/page-ranges.js";
import type { ElementCategory } from "./structure/categories.js";

/** Where a job stands, whatever word the server used for it. Unknown statuses count as in progress. */
export type JobPhase = "in_progress" | "completed" | "failed";

/** A job as `extract`, `getJob` and `waitForJob` return it. */
export interface Job {
  id: string;
  /** The status word the server sent, e.g. "pending", "running", "completed", "failed". */
  status: string;
  phase: JobPhase;
  /** Pages in the job, once the server knows (0 or undefined before). */
  pageCount: number | undefined;
  pagesCompleted: number | undefined;
  createdAt: string | undefined;
  /** Why a failed job failed, when the server said. */
  error: { code?: string | undefined; message?: string | undefined } | undefined;
  /** The job as received, unknown fields included. */
  raw: Record<string, unknown>;
}

/** What `onProgress` receives each time a job's status or progress changes. */
export interface JobProgress {
  jobId: string;
  /** The input the job is for (path as given, or name), when known: `ocr` and `ocrMany` set it. */
  source?: string | undefined;
  status: string;
  pageCount: number | undefined;
  pagesCompleted: number | undefined;
}

/** Page text formats a caller can ask `ocr` for. */
export type OcrFormat = "markdown" | "text";

/** Formats of `GET /v1/jobs/{id}/result`. */
export type ResultFormat = "json" | OcrFormat;

/** A job's result as the server sent it (`getResult`). */
export interface JobResult {
  jobId: string;
  format: ResultFormat;
  pageCount: number | undefined;
  /** A string for markdown/text; for json, whatever the server put under `content` (if anything). */
  content: unknown;
  /** The whole response body. */
  raw: Record<string, unknown>;
}

/**
 * One element of a page (a title, paragraph, table, image…), whatever shape the result came in
 * (see docs/api-contract.md#elements-and-their-categories).
 */
export interface OcrElement {
  /** Position in the page's reading order, from 1. */
  order: number;
  category: ElementCategory;
  /** The label the service gave the element (e.g. PaddleOCR's "paragraph_title"); undefined for elements read off markdown. */
  label: string | undefined;
  /** Plain text; a table's rows one per line, cells separated by tabs. */
  text: string;
  /** Markdown: a title or heading with `#`/`##`, a table as a markdown table, else the text. */
  markdown: string;
  /** A table as HTML (`<table>…</table>`). */
  html?: string | undefined;
  /** [x0, y0, x1, y1] in the page's pixels (the coordinate space of `width`/`height` and the page preview). */
  bbox?: [number, number, number, number] | undefined;
  /** Recognition confidence, 0–1, when the service gave one. */
  score?: number | undefined;
}

/** One page of an OCR result. */
export interface OcrPage {
  /** The page's number in the original document (1-based), also when `pageRanges` was used. */
  pageNumber: number;
  /**
   * Set only when one item covers several pages: a result without per-page structure and no
   * form feeds to split on comes back as one item for the whole document.
   */
  pageRange?: PageRange | undefined;
  /** The page's text in the requested format. */
  content: string;
  markdown?: string | undefined;
  text?: string | undefined;
  /** Rotation the server detected and corrected, in degrees. */
  angle?: number | undefined;
  /** Page size in pixels (the preview's coordinate space). */
  width?: number | undefined;
  height?: number | undefined;
  /** The page's elements in reading order: from its blocks, else read off its markdown (no boxes then). */
  elements?: OcrElement[] | undefined;
  /** The page object as received, unknown fields included. */
  raw?: Record<string, unknown> | undefined;
}

/** How the pages of a result were found. */
export type PageSource = "pages" | "form_feeds" | "whole_document";

/** What `getPages` returns: a completed job's pages. */
export interface JobPages {
  jobId: string;
  format: OcrFormat;
  /** Pages in this result (with `pageRanges`, the pages processed, not the document's total). */
  pageCount: number;
  pages: OcrPage[];
  pageSource: PageSource;
  /** Top-level fields of the result other than the pages, as received. */
  raw: Record<string, unknown>;
}

/** What `ocr` returns. */
export interface OcrResult {
  jobId: string;
  format: OcrFormat;
  /** Pages in this result (with `pageRanges`, the pages processed, not the document's total). */
  pageCount: number;
  pages: OcrPage[];
  /** The normalised page ranges the job was limited to, if any. */
  pageRanges: PageRange[] | undefined;
  pageSource: PageSource;
  /** What was uploaded; `sha256` is the hex SHA-256 of its bytes (stable ids, deduplication). */
  file: { filename: string; source: string; fileType: SupportedFileType; size: number; sha256: string };
  /** Top-level fields of the result other than the pages, as received. */
  raw: Record<string, unknown>;
}

/** `getBalance()`: the account's page balance. */
export interface Balance {
  remainingPages: number;
  totalAffordablePages: number | undefined;
  entityCode: string | undefined;
  monthlyPages: PageAllowance | undefined;
  lifetimePages: PageAllowance | undefined;
  tokens: (PageAllowance & { affordablePages: number | undefined }) | undefined;
  tokenPrice: number | undefined;
  raw: Record<string, unknown>;
}

export interface PageAllowance {
  total: number | undefined;
  allocated: number | undefined;
  remaining: number | undefined;
}

/** `getInfo()`: service information. */
export interface ServiceInfo {
  /** Valid values for `modelProfile`. */
  modelProfiles: ModelProfile[];
  raw: Record<string, unknown>;
}

export interface ModelProfile {
  name: string;
  raw: unknown;
}

/** `getPagePreview()`: a page image whose coordinates match the elements' boxes. */
export interface PagePreview {
  contentType: string;
  bytes: Uint8Array;
}
