import { Document } from "@langchain/core/documents";
import type { OcrFormat, OcrPage, OcrResult } from "@sotaocr/core";
import {
  type DocumentSplit,
  type ElementFields,
  type ElementSpan,
  elementFields,
  forEachDocumentPart,
  type PageImage,
  type PageMarker,
} from "@sotaocr/core/documents";

/** What every Document's metadata holds, per page or per file. */
export interface SotaOcrBaseMetadata {
  /** The path exactly as given, the File's name, or the `name` option for bytes. */
  source: string;
  /** For PDFs processed whole: the document's page count. */
  pdf?: { totalPages: number };
  sotaocr: {
    jobId: string;
    format: OcrFormat;
    /** Pages in this result (with `pageRanges`, the pages processed). */
    pageCount: number;
    fileType: "pdf" | "png" | "jpeg";
    /** SHA-256 of the file's bytes. */
    sha256: string;
    /** Set when one Document covers several pages (a result with no per-page structure). */
    pageRange?: { start: number; end: number };
    /** Rotation detected and corrected, in degrees. */
    angle?: number;
    /** Page size in pixels. */
    width?: number;
    height?: number;
  };
  [key: string]: unknown;
}

/** Lines of the page a chunk came from, which LangChain's text splitters add to `loc`. */
export interface SotaOcrLines {
  from: number;
  to: number;
}

/**
 * The metadata of each page's Document (the default, `split: "page"`). `source`,
 * `loc.pageNumber` and `pdf.totalPages` are the keys LangChain's PDFLoader users already read;
 * what is ours sits under `sotaocr`. All of it is plain JSON, so it survives splitters (which add
 * `loc.lines`) and vector stores.
 */
export interface SotaOcrMetadata extends SotaOcrBaseMetadata {
  /** The page's number in the original document, also with `pageRanges`; `lines` once split. */
  loc: { pageNumber: number; lines?: SotaOcrLines };
  /**
   * `loc.pageNumber` again, at the top level: LangChain's `index()` hashes only top-level metadata
   * values, so without it two pages of a file with the same text would be indexed as one.
   */
  pageNumber: number;
  sotaocr: SotaOcrBaseMetadata["sotaocr"] & {
    /**
     * Where each element with text sits in `pageContent` (characters, lines) with its category and
     * box: what `chunkSources` reads. Left out with `elementSpans: false`
     * (docs/structure.md#element-spans).
     */
    elements?: ElementSpan[];
    /** The page's image, with the `pageImages` option (docs/structure.md#page-images). */
    pageImage?: string;
  };
}

/**
 * The metadata of each element's Document (`split: "element"`): the page's keys, plus the keys
 * LangChain's `UnstructuredLoader` writes — `category`, `coordinates` (the element's box on the
 * page), `text_as_html` for tables, `page_number` — and the element's place in reading order.
 */
export interface SotaOcrElementMetadata extends SotaOcrBaseMetadata, ElementFields {
  loc: { pageNumber: number; lines?: SotaOcrLines };
  pageNumber: number;
  /** The id of the page Document this element belongs to (what `split: "page"` would give). */
  parent_id: string;
  sotaocr: SotaOcrBaseMetadata["sotaocr"] & {
    /** The label the service gave the element (e.g. "paragraph_title"). */
    label?: string;
    score?: number;
    /** The image of the element's page, with the `pageImages` option (docs/structure.md#page-images). */
    pageImage?: string;
  };
}

/**
 * The metadata of a whole file's Document (`split: "file"`): no page number. `loc` appears
 * only once a text splitter has added `loc.lines`.
 */
export interface SotaOcrFileMetadata extends SotaOcrBaseMetadata {
  loc?: { lines?: SotaOcrLines };
  pageNumber?: undefined;
  sotaocr: SotaOcrBaseMetadata["sotaocr"] & {
    /** Each page's image by page number, with the `pageImages` option (docs/structure.md#page-images). */
    pageImages?: Record<string, string>;
  };
}

/** The metadata of a loader's Documents, by its `split`. */
export type SotaOcrMetadataFor<Split extends DocumentSplit> = Split extends "file"
  ? SotaOcrFileMetadata
  : Split extends "element"
    ? SotaOcrElementMetadata
    : SotaOcrMetadata;

type AnyMetadata = SotaOcrMetadata | SotaOcrElementMetadata | SotaOcrFileMetadata;

/** How a result becomes Documents: the loader's options, checked. */
export interface ToDocumentsOptions {
  split: DocumentSplit;
  pageMarker: PageMarker;
  /** Page Documents carry `sotaocr.elements`. */
  elementSpans: boolean;
  /** Extra metadata for every Document (wins over ours). */
  extra: Record<string, unknown> | undefined;
  /** The page images written for this result, by page number. */
  pageImages: ReadonlyMap<number, PageImage> | undefined;
}

/** One Document per page, element or file, as `split` says. */
export function toDocuments(result: OcrResult, options: ToDocumentsOptions): Document<AnyMetadata>[] {
  const { split, pageMarker, extra, pageImages } = options;
  const base = () => ({
    jobId: result.jobId,
    format: result.format,
    pageCount: result.pageCount,
    fileType: result.file.fileType,
    sha256: result.file.sha256,
  });
  const source = result.file.source;
  const totalPages = result.file.fileType === "pdf" && !result.pageRanges ? result.pageCount : undefined;
  // Objects built key by key, not spread: this runs once per element of a result (tens of
  // thousands); spreads made it several times slower (bench/result-mapping.ts).
  const head = (page: OcrPage | undefined): Record<string, unknown> => {
    const metadata: Record<string, unknown> = { source };
    if (page) {
      metadata.loc = { pageNumber: page.pageNumber };
      metadata.pageNumber = page.pageNumber;
    }
    if (totalPages !== undefined) metadata.pdf = { totalPages };
    return metadata;
  };
  const documents: Document<AnyMetadata>[] = [];
  forEachDocumentPart(result, split, pageMarker, (part) => {
    let metadata: Record<string, unknown>;
    if (part.kind === "file") {
      const sotaocr: SotaOcrFileMetadata["sotaocr"] = base();
      if (pageImages?.size) sotaocr.pageImages = Object.fromEntries([...pageImages].map(([n, image]) => [n, image.path]));
      metadata = head(undefined);
      metadata.sotaocr = sotaocr;
    } else {
      const { page } = part;
      const image = pageImages?.get(page.pageNumber);
      const sotaocr: SotaOcrElementMetadata["sotaocr"] & SotaOcrMetadata["sotaocr"] = addPageFacts(base(), page);
      metadata = head(page);
      if (part.kind === "page") {
        if (options.elementSpans && part.spans.length > 0) sotaocr.elements = part.spans;
      } else {
        const { element } = part;
        const fields = elementFields(element, page);
        metadata.category = fields.category;
        metadata.page_number = fields.page_number;
        metadata.element_order = fields.element_order;
        if (fields.coordinates) metadata.coordinates = fields.coordinates;
        if (fields.text_as_html !== undefined) metadata.text_as_html = fields.text_as_html;
        metadata.parent_id = part.pageId;
        if (element.label !== undefined) sotaocr.label = element.label;
        if (element.score !== undefined) sotaocr.score = element.score;
      }
      if (image) sotaocr.pageImage = image.path;
      metadata.sotaocr = sotaocr;
    }
    if (extra) Object.assign(metadata, extra);
    // The keys set above are those of the split's metadata type.
    documents.push(new Document<AnyMetadata>({ id: part.id, pageContent: part.text, metadata: metadata as AnyMetadata }));
  });
  return documents;
}

/** Adds the page's range, rotation and size, where known, to `facts`. */
function addPageFacts<F extends Partial<SotaOcrBaseMetadata["sotaocr"]>>(facts: F, page: OcrPage): F {
  if (page.pageRange) facts.pageRange = { ...page.pageRange };
  if (page.angle !== undefined) facts.angle = page.angle;
  if (page.width !== undefined) facts.width = page.width;
  if (page.height !== undefined) facts.height = page.height;
  return facts;
}
