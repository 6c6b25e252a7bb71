// The client's public surface, and the option checks of its doors: this entry sits on top of the client.
import { type JobProgress, type OcrFormat, type OcrOptions, type PageRangesInput, SotaOcrClient, SotaOcrError } from "../index.js";
import { positive, resolveFormat, resolvePageRanges } from "../options/resolve.js";
import { DEFAULT_PAGE_MARKER, DOCUMENT_SPLITS, type DocumentSplit, type PageMarker } from "./document-parts.js";

/** The options the LangChain loader and the LlamaIndex reader share: one vocabulary for both. */
export interface DocumentOptions {
  /** @default process.env.SOTAOCR_API_KEY */
  apiKey?: string | undefined;
  /** @default process.env.SOTAOCR_BASE_URL, else "https://api.sotaocr.com" */
  baseUrl?: string | undefined;
  /** A client to share (its key, base URL and retries then apply). */
  client?: SotaOcrClient | undefined;
  /** Retries of each failed request. @default 2 */
  maxRetries?: number | undefined;
  /**
   * Milliseconds one file may take in all (upload, OCR, result) before a `TimeoutError` naming its
   * job; Infinity (or 2^31 ms and more) for no limit. @default 1800000
   */
  timeoutMs?: number | undefined;
  /** Document text as the page's markdown or plain text. @default "markdown" */
  format?: OcrFormat | undefined;
  /**
   * What one Document is: a `"page"`, one `"element"` of a page (title, paragraph, table… with its
   * category and box), or a whole `"file"` (its pages after page markers). @default "page"
   */
  split?: DocumentSplit | undefined;
  /**
   * With `split: "file"`: the text before each page, `{pageNumber}` replaced by its number; a
   * function of the page; or `false` for none. @default "<!-- page {pageNumber} -->"
   */
  pageMarker?: PageMarker | undefined;
  /** Pages to process: `[{ start: 1, end: 3 }]` or `"1-3,5"` (1-based, inclusive). @default every page */
  pageRanges?: PageRangesInput | undefined;
  /** A model profile from the service's `getInfo().modelProfiles`. */
  modelProfile?: string | undefined;
  /** Called when a file's job changes status or progress; `progress.source` names the file. */
  onProgress?: ((progress: JobProgress) => void) | undefined;
  /** Aborts loading (`AbortError`); jobs already uploaded keep running on the server. */
  signal?: AbortSignal | undefined;
  /**
   * Keep results and in-flight jobs on disk (`true`: the user's cache folder, or a folder path):
   * loading a file again costs nothing, a crashed run resumes its jobs. Ignored with `client`
   * (set it on the client). @default false
   */
  cache?: boolean | string | undefined;
}

/** Document options once checked: the client to use and the options of each of its `ocr` calls. */
export interface ResolvedDocumentOptions {
  client: SotaOcrClient;
  ocrOptions: OcrOptions;
  split: DocumentSplit;
  pageMarker: PageMarker;
}

/**
 * Checks document options when a loader is made (before any file is read) and resolves them to a
 * client and the options of each `ocr` call.
 */
export function resolveDocumentOptions(options: DocumentOptions): ResolvedDocumentOptions {
  // Checked here, when the loader or reader is made; the resolved values pass the client's doors as they are.
  const format = resolveFormat(options.format);
  const pageRanges = resolvePageRanges(options.pageRanges);
  positive(options.timeoutMs, "timeoutMs");
  const client =
    options.client ??
    new SotaOcrClient({ apiKey: options.apiKey, baseUrl: options.baseUrl, maxRetries: options.maxRetries, cache: options.cache });
  const ocrOptions: OcrOptions = {
    format,
    pageRanges,
    modelProfile: options.modelProfile,
    onProgress: options.onProgress,
    signal: options.signal,
    timeoutMs: options.timeoutMs,
  };
  return { client, ocrOptions, split: resolveSplit(options.split), pageMarker: resolvePageMarker(options.pageMarker) };
}

function resolveSplit(split: DocumentSplit | undefined): DocumentSplit {
  const value: unknown = split ?? "page";
  if (!DOCUMENT_SPLITS.includes(value as DocumentSplit)) {
    throw new SotaOcrError(`split must be "page", "element" or "file", not ${JSON.stringify(value)}.`);
  }
  return value as DocumentSplit;
}

function resolvePageMarker(marker: PageMarker | undefined): PageMarker {
  const value: unknown = marker ?? DEFAULT_PAGE_MARKER;
  if (value !== false && typeof value !== "string" && typeof value !== "function") {
    throw new SotaOcrError(`pageMarker must be a string, a function of the page or false, not ${JSON.stringify(value)}.`);
  }
  return value as PageMarker;
}
