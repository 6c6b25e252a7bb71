import { resolve } from "node:path";
import { type Document, FileReader } from "@llamaindex/core/schema";
import {
  type JobProgress,
  normalizePageRanges,
  type OcrInput,
  type OcrResult,
  type PageRangesInput,
  SotaOcrClient,
  SotaOcrError,
  sourceOf,
} from "@sotaocr/core";
import { type SotaOcrReaderMetadata, toDocuments } from "./documents.js";

export interface SotaOcrReaderOptions {
  /** @default process.env.SOTAOCR_API_KEY */
  apiKey?: string | undefined;
  /** @default process.env.SOTAOCR_BASE_URL, else "https://api.sotaocr.com" */
  baseUrl?: string | undefined;
  /** A client to share (its key, base URL and retries then apply). */
  client?: SotaOcrClient | undefined;
  /** Retries of each failed request. @default 2 */
  maxRetries?: number | undefined;
  /** Milliseconds one file may take in all before a `TimeoutError` naming its job. @default 1800000 */
  timeoutMs?: number | undefined;
  /** Document text as the page's markdown or plain text. @default "markdown" */
  format?: "markdown" | "text" | undefined;
  /** One Document per page; false gives one per file. @default true */
  splitPages?: boolean | undefined;
  /** Pages to process: `[{ start: 1, end: 3 }]` or `"1-3,5"` (1-based, inclusive). @default every page */
  pageRanges?: PageRangesInput | undefined;
  /** A model profile from the service's `getInfo().modelProfiles`. */
  modelProfile?: string | undefined;
  /** Called when a file's job changes status or progress; `progress.source` names the file. */
  onProgress?: ((progress: JobProgress) => void) | undefined;
  /** Aborts loading (`AbortError`); jobs already uploaded keep running on the server. */
  signal?: AbortSignal | undefined;
}

/** A file that failed, as recorded in `reader.failures`. */
export interface ReadFailure {
  source: string;
  error: Error;
}

/**
 * A LlamaIndex `FileReader` that OCRs PDFs, PNGs and JPEGs with SotaOCR: one Document per page.
 * Errors are thrown (as `SotaOcrError`s), never swallowed into an empty list.
 *
 * ```ts
 * const documents = await new SotaOcrReader().loadData("report.pdf");
 * documents[0].metadata.page_number; // 1
 * ```
 */
export class SotaOcrReader extends FileReader<Document<SotaOcrReaderMetadata>> {
  /**
   * Every failure this reader threw, newest last. `SimpleDirectoryReader` catches reader errors and
   * only logs them: after a directory load, look here for what was left out and why.
   */
  readonly failures: ReadFailure[] = [];
  readonly #options: SotaOcrReaderOptions;
  readonly #client: SotaOcrClient;

  constructor(options: SotaOcrReaderOptions = {}) {
    super();
    this.#options = { ...options };
    if (options.format !== undefined && options.format !== "markdown" && options.format !== "text") {
      throw new SotaOcrError(`format must be "markdown" or "text", not ${JSON.stringify(options.format)}.`);
    }
    if (options.pageRanges !== undefined) normalizePageRanges(options.pageRanges);
    this.#client =
      options.client ?? new SotaOcrClient({ apiKey: options.apiKey, baseUrl: options.baseUrl, maxRetries: options.maxRetries });
  }

  /** OCRs bytes; `filename` names them in metadata and in the upload. */
  async loadDataAsContent(fileContent: Uint8Array, filename?: string): Promise<Document<SotaOcrReaderMetadata>[]> {
    const result = await this.#ocr(fileContent, filename);
    return toDocuments(result, this.#options.splitPages ?? true);
  }

  /**
   * OCRs a file, streamed from disk (never read whole). Adds `file_path` and `file_name` as the base
   * class does, but keeps the stable per-page `id_` rather than `${filePath}_${i}`.
   */
  override async loadData(filePath: string): Promise<Document<SotaOcrReaderMetadata>[]> {
    const result = await this.#ocr(filePath);
    return toDocuments(result, this.#options.splitPages ?? true, resolve(filePath));
  }

  async #ocr(input: OcrInput, filename?: string): Promise<OcrResult> {
    const options = this.#options;
    try {
      return await this.#client.ocr(input, {
        filename,
        format: options.format,
        pageRanges: options.pageRanges,
        modelProfile: options.modelProfile,
        onProgress: options.onProgress,
        signal: options.signal,
        timeoutMs: options.timeoutMs,
      });
    } catch (error) {
      this.failures.push({ source: sourceOf(input, filename), error: error as Error });
      throw error;
    }
  }
}
