import { BaseDocumentLoader } from "@langchain/core/document_loaders/base";
import type { BaseDocumentTransformer, Document } from "@langchain/core/documents";
import {
  AbortError,
  AuthenticationError,
  InsufficientBalanceError,
  MissingApiKeyError,
  type OcrInput,
  type OcrManyInput,
  type OcrOptions,
  PermissionDeniedError,
  type SotaOcrClient,
  SotaOcrError,
} from "@sotaocr/core";
import {
  type DocumentOptions,
  type DocumentSplit,
  type PageImage,
  type PageMarker,
  resolveDocumentOptions,
  writePageImages,
} from "@sotaocr/core/documents";
import { type SotaOcrMetadataFor, toDocuments } from "./documents.js";

/** A file for the loader: a path, a `file:` URL, a Blob/File, bytes, or bytes with their name. */
export type LoaderInput = string | URL | Blob | Uint8Array | ArrayBuffer | { input: Blob | Uint8Array | ArrayBuffer; name: string };

/** A file that failed and was skipped (`onError: "skip"` or a function). */
export interface LoadFailure {
  source: string;
  error: Error;
}

/** The shared document options (apiKey, baseUrl, client, format, pageRanges…), plus: */
export interface SotaOcrLoaderOptions extends DocumentOptions {
  /** Files in flight at once, for arrays. @default 4 */
  concurrency?: number | undefined;
  /**
   * What a failed file does: "throw" (the default) stops and throws its error; "skip" leaves it
   * out and records it in `loader.failures`; a function is called with it, and it is skipped.
   */
  onError?: "throw" | "skip" | ((failure: LoadFailure) => void) | undefined;
  /** Extra metadata for every Document (it wins over the loader's keys of the same name). */
  metadata?: Record<string, unknown> | undefined;
  /** The file name of a single Blob or bytes input (used for `source` and the upload). */
  name?: string | undefined;
  /**
   * With `split: "page"`: put where each element sits in the page text, with its category and box,
   * in `sotaocr.elements` (about 110 bytes an element, on every chunk of the page), so `chunkSources`
   * can find a chunk's boxes. `false` leaves it out (docs/structure.md#element-spans). @default true
   */
  elementSpans?: boolean | undefined;
  /**
   * A folder to write each page's image to (the service's page preview, the pixels the boxes are
   * in), once per file and page, never overwritten; its path goes into `sotaocr.pageImage`
   * (`sotaocr.pageImages` by page number with `split: "file"`). About a second a page, after each
   * file's OCR (docs/structure.md#page-images). @default none
   */
  pageImages?: string | undefined;
}

/**
 * A LangChain document loader that OCRs PDFs, PNGs and JPEGs with SotaOCR: one Document per page.
 *
 * ```ts
 * const [first] = await new SotaOcrLoader("report.pdf").load();
 * first?.metadata.loc.pageNumber; // 1
 * ```
 *
 * Its Documents' metadata is `SotaOcrMetadata` (with `loc.pageNumber`), `SotaOcrElementMetadata`
 * (category, coordinates…) with `split: "element"`, or `SotaOcrFileMetadata` (no page number) with
 * `split: "file"`.
 */
export class SotaOcrLoader<Split extends DocumentSplit = "page"> extends BaseDocumentLoader {
  /** Files skipped by `onError: "skip"` (or a function) during the last load. */
  failures: LoadFailure[] = [];
  readonly #inputs: OcrManyInput[];
  readonly #options: SotaOcrLoaderOptions;
  readonly #client: SotaOcrClient;
  readonly #ocrOptions: OcrOptions;
  readonly #split: DocumentSplit;
  readonly #pageMarker: PageMarker;
  readonly #elementSpans: boolean;

  constructor(input: LoaderInput | LoaderInput[], options: SotaOcrLoaderOptions & { split?: Split | undefined } = {}) {
    super();
    this.#options = { ...options };
    const list = Array.isArray(input) ? input : [input];
    if (list.length === 0) throw new SotaOcrError("SotaOcrLoader needs at least one file.");
    if (options.name !== undefined && list.length > 1) {
      throw new SotaOcrError("The name option names a single input; give each item of an array its own { input, name }.");
    }
    this.#inputs = list.map((item) => toOcrInput(item, list.length === 1 ? options.name : undefined));
    const { concurrency } = options;
    if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency >= 1)) {
      throw new SotaOcrError(`concurrency must be a whole number ≥ 1, not ${JSON.stringify(concurrency)}.`);
    }
    if (options.elementSpans !== undefined && typeof options.elementSpans !== "boolean") {
      throw new SotaOcrError(`elementSpans must be true or false, not ${JSON.stringify(options.elementSpans)}.`);
    }
    if (options.pageImages !== undefined && (typeof options.pageImages !== "string" || options.pageImages === "")) {
      throw new SotaOcrError(`pageImages must be a folder path, not ${JSON.stringify(options.pageImages)}.`);
    }
    this.#elementSpans = options.elementSpans ?? true;
    const resolved = resolveDocumentOptions(options);
    this.#client = resolved.client;
    this.#ocrOptions = resolved.ocrOptions;
    this.#split = resolved.split;
    this.#pageMarker = resolved.pageMarker;
  }

  /** Every page (element, file) of every file, in input order. */
  async load(): Promise<Document<SotaOcrMetadataFor<Split>>[]> {
    const byInput: Document<SotaOcrMetadataFor<Split>>[][] = [];
    for await (const { index, documents } of this.#loadFiles()) byInput[index] = documents;
    return byInput.flatMap((documents) => documents ?? []);
  }

  /** Yields each file's pages as soon as its job completes, so many files stream. */
  async *lazyLoad(): AsyncGenerator<Document<SotaOcrMetadataFor<Split>>> {
    for await (const { documents } of this.#loadFiles()) yield* documents;
  }

  /**
   * Loads, then splits with `splitter` (default: a `RecursiveCharacterTextSplitter` from
   * `@langchain/textsplitters`). Splits keep each page's metadata, `loc.pageNumber` included, and
   * LangChain's text splitters add `loc.lines`; the return type assumes a splitter that keeps
   * metadata, as they do.
   */
  async loadAndSplit(splitter?: BaseDocumentTransformer): Promise<Document<SotaOcrMetadataFor<Split>>[]> {
    const transformer = splitter ?? (await defaultSplitter());
    return (await transformer.invoke(await this.load())) as Document<SotaOcrMetadataFor<Split>>[];
  }

  async *#loadFiles(): AsyncGenerator<{ index: number; documents: Document<SotaOcrMetadataFor<Split>>[] }> {
    this.failures = [];
    const options = this.#options;
    const onError = options.onError ?? "throw";
    const items = this.#client.ocrMany(this.#inputs, { ...this.#ocrOptions, concurrency: options.concurrency });
    // Leaving the loop stops the other files. An abort, a key the service refuses, or an account out
    // of pages is about every file, not this one: no onError setting turns that into an empty result.
    const skip = (source: string, error: Error) => {
      if (onError === "throw" || stopsEveryFile(error)) throw error;
      const failure = { source, error };
      this.failures.push(failure);
      if (typeof onError === "function") onError(failure);
    };
    for await (const item of items) {
      if (item.error) {
        skip(item.source, item.error);
        continue;
      }
      // The same file given again (by the same path or another): OCR'd once, its pages already
      // came with its first input; the same Documents again would repeat their ids.
      if (item.duplicateOf !== undefined) continue;
      let pageImages: Map<number, PageImage> | undefined;
      if (options.pageImages !== undefined) {
        try {
          pageImages = await writePageImages(this.#client, item.result, options.pageImages, { signal: options.signal });
        } catch (error) {
          skip(item.source, error as Error);
          continue;
        }
      }
      const documents = toDocuments(item.result, {
        split: this.#split,
        pageMarker: this.#pageMarker,
        elementSpans: this.#elementSpans,
        extra: options.metadata,
        pageImages,
      }) as Document<SotaOcrMetadataFor<Split>>[]; // the metadata of this.#split, which is Split
      yield { index: item.index, documents };
    }
  }
}

function stopsEveryFile(error: Error): boolean {
  return [AbortError, AuthenticationError, InsufficientBalanceError, MissingApiKeyError, PermissionDeniedError].some((type) =>
    type.isInstance(error),
  );
}

function toOcrInput(item: LoaderInput, name: string | undefined): OcrManyInput {
  if (typeof item === "object" && item !== null && "input" in item && "name" in item && !(item instanceof Blob)) {
    return { input: item.input, filename: item.name };
  }
  return name === undefined ? (item as OcrInput) : { input: item as OcrInput, filename: name };
}

async function defaultSplitter(): Promise<BaseDocumentTransformer> {
  try {
    const { RecursiveCharacterTextSplitter } = await import("@langchain/textsplitters");
    return new RecursiveCharacterTextSplitter();
  } catch (cause) {
    throw new SotaOcrError("loadAndSplit() without a splitter needs @langchain/textsplitters: install it, or pass a splitter.", { cause });
  }
}
