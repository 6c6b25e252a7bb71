import { resolve } from "node:path";
import {
  type DownloadLimits,
  downloadUrl,
  InsufficientBalanceError,
  type OcrInput,
  type OcrOptions,
  type OcrResult,
  type SotaOcrClient,
  SotaOcrError,
  sourceOf,
} from "@sotaocr/core";
import {
  type DocumentOptions,
  type DocumentSplit,
  type PageImage,
  type PageMarker,
  resolveDocumentOptions,
  writePageImages,
} from "@sotaocr/core/documents";
import { type Document, FileReader } from "llamaindex";
import { type SotaOcrReaderMetadata, toDocuments } from "./documents.js";

/** The shared document options (apiKey, baseUrl, client, format, split, pageRanges…), and page images. */
export interface SotaOcrReaderOptions extends DocumentOptions {
  /**
   * A folder to write each page's image to (the service's page preview, the pixels element boxes
   * are in): their paths go in metadata (`image_path`), and `pageImageDocuments(documents)` makes
   * `ImageDocument`s of them for multimodal indexes. Each image is fetched once per file and page
   * (a file already there is kept), about one a second per file. @default no images
   */
  pageImages?: string | undefined;
  /**
   * Bounds on downloading an http(s) URL given to `loadData` (size, time, redirects).
   * @default 256 MiB, the reader's `timeoutMs` (else 5 minutes), 5 redirects
   */
  download?: DownloadLimits | undefined;
}

/** A file that failed, as recorded in `reader.failures`. */
export interface ReadFailure {
  source: string;
  error: Error;
}

/**
 * A LlamaIndex `FileReader` that OCRs PDFs, PNGs and JPEGs with SotaOCR: one Document per page
 * (or per element, or per file: `split`).
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
  readonly #client: SotaOcrClient;
  readonly #ocrOptions: OcrOptions;
  readonly #split: DocumentSplit;
  readonly #pageMarker: PageMarker;
  readonly #pageImages: string | undefined;
  readonly #download: DownloadLimits;
  /**
   * The 402 that found the account out of pages, if one did: every later file first asks the
   * balance (free), and is not uploaded while it is empty. A directory load so stops at the first
   * 402, and the same reader works again once the account is topped up.
   */
  #outOfPages: InsufficientBalanceError | undefined;

  constructor(options: SotaOcrReaderOptions = {}) {
    super();
    const resolved = resolveDocumentOptions(options);
    this.#client = resolved.client;
    this.#ocrOptions = resolved.ocrOptions;
    this.#split = resolved.split;
    this.#pageMarker = resolved.pageMarker;
    if (options.pageImages !== undefined && (typeof options.pageImages !== "string" || options.pageImages === "")) {
      throw new SotaOcrError(`pageImages must be a folder path, not ${JSON.stringify(options.pageImages)}.`);
    }
    this.#pageImages = options.pageImages;
    this.#download = { timeoutMs: this.#ocrOptions.timeoutMs, ...options.download };
  }

  /** OCRs bytes; `filename` names them in metadata and in the upload. */
  async loadDataAsContent(fileContent: Uint8Array, filename?: string): Promise<Document<SotaOcrReaderMetadata>[]> {
    const name = sourceOf(fileContent, filename);
    return this.#documents(await this.#ocr(fileContent, filename), name);
  }

  /**
   * OCRs a file, streamed from disk (never read whole). Adds `file_path` and `file_name` as the base
   * class does, but keeps the stable per-page (per-element) `id_` rather than `${filePath}_${i}`.
   */
  override async loadData(filePath: string): Promise<Document<SotaOcrReaderMetadata>[]> {
    if (/^https?:\/\//i.test(filePath)) return this.#loadUrl(filePath);
    return this.#documents(await this.#ocr(filePath), filePath, resolve(filePath));
  }

  /**
   * An http(s) URL, as the base class allows: downloaded whole, within the `download` bounds and
   * the reader's `signal` (core's `downloadUrl`), then OCR'd.
   */
  async #loadUrl(url: string): Promise<Document<SotaOcrReaderMetadata>[]> {
    let download: { bytes: Uint8Array; filename: string };
    try {
      download = await downloadUrl(url, { ...this.#download, signal: this.#ocrOptions.signal });
    } catch (error) {
      this.failures.push({ source: url, error: error as Error });
      throw error;
    }
    return this.#documents(await this.#ocr(download.bytes, download.filename, url), url, url);
  }

  /** The result's Documents, after writing its page images if asked (a failure is recorded as the OCR's are). */
  async #documents(result: OcrResult, source: string, filePath?: string): Promise<Document<SotaOcrReaderMetadata>[]> {
    let images: Map<number, PageImage> | undefined;
    if (this.#pageImages !== undefined) {
      try {
        images = await writePageImages(this.#client, result, this.#pageImages, { signal: this.#ocrOptions.signal });
      } catch (error) {
        this.failures.push({ source, error: error as Error });
        throw error;
      }
    }
    return toDocuments(result, this.#split, this.#pageMarker, filePath, images);
  }

  /** `source`: how `failures` names the input when not by its path or name (a URL). */
  async #ocr(input: OcrInput, filename?: string, source?: string): Promise<OcrResult> {
    const name = source ?? sourceOf(input, filename);
    try {
      await this.#checkBalance(name);
      return await this.#client.ocr(input, { ...this.#ocrOptions, filename });
    } catch (error) {
      if (InsufficientBalanceError.isInstance(error)) this.#outOfPages ??= error;
      this.failures.push({ source: name, error: error as Error });
      throw error;
    }
  }

  /** After a 402: throws without uploading while the balance says no pages are left. */
  async #checkBalance(name: string): Promise<void> {
    const refusal = this.#outOfPages;
    if (!refusal) return;
    // A balance that cannot be read (an older server, a network error) does not block: the upload will tell.
    const balance = await this.#client.getBalance({ signal: this.#ocrOptions.signal }).catch(() => undefined);
    if (!balance || balance.remainingPages > 0) {
      this.#outOfPages = undefined;
      return;
    }
    throw new InsufficientBalanceError(
      `${name}: not uploaded: the account has no pages left (an earlier file was refused with 402, and the balance says 0). ` +
        "Top up, then load it again; check with client.getBalance().",
      { status: refusal.status, code: refusal.code, serverMessage: refusal.serverMessage, cause: refusal },
    );
  }
}
