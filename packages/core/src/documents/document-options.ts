// The client's public surface, and the option checks of its doors: this entry sits on top of the client.
import { type JobProgress, type OcrFormat, type OcrOptions, type PageRangesInput, SotaOcrClient } from "../index.js";
import { positive, resolveFormat, resolvePageRanges } from "../options/resolve.js";

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
  /** One document per page; false gives one per file. @default true */
  splitPages?: boolean | undefined;
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
  splitPages: boolean;
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
  return { client, ocrOptions, splitPages: options.splitPages ?? true };
}
