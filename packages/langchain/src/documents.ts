import { Document } from "@langchain/core/documents";
import type { OcrFormat, OcrPage, OcrResult } from "@sotaocr/core";
import { documentParts } from "@sotaocr/core/documents";

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
 * The metadata of each page's Document (the default, `splitPages: true`). `source`,
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
}

/**
 * The metadata of a whole file's Document (`splitPages: false`): no page number. `loc` appears
 * only once a text splitter has added `loc.lines`.
 */
export interface SotaOcrFileMetadata extends SotaOcrBaseMetadata {
  loc?: { lines?: SotaOcrLines };
  pageNumber?: undefined;
}

/** The metadata of a loader's Documents: per page unless `splitPages` is `false`. */
export type SotaOcrMetadataFor<SplitPages extends boolean> = SplitPages extends false ? SotaOcrFileMetadata : SotaOcrMetadata;

/** One Document per page, or one per file when `splitPages` is false. */
export function toDocuments(
  result: OcrResult,
  splitPages: boolean,
  extra: Record<string, unknown> | undefined,
): Document<SotaOcrMetadata | SotaOcrFileMetadata>[] {
  const base = {
    jobId: result.jobId,
    format: result.format,
    pageCount: result.pageCount,
    fileType: result.file.fileType,
    sha256: result.file.sha256,
  };
  const pdf = result.file.fileType === "pdf" && !result.pageRanges ? { pdf: { totalPages: result.pageCount } } : {};
  return documentParts(result, splitPages).map(
    ({ id, text, page }) =>
      new Document<SotaOcrMetadata | SotaOcrFileMetadata>({
        id,
        pageContent: text,
        metadata: page
          ? {
              source: result.file.source,
              loc: { pageNumber: page.pageNumber },
              pageNumber: page.pageNumber,
              ...pdf,
              sotaocr: { ...base, ...pageFacts(page) },
              ...extra,
            }
          : { source: result.file.source, ...pdf, sotaocr: base, ...extra },
      }),
  );
}

function pageFacts(page: OcrPage): Partial<SotaOcrBaseMetadata["sotaocr"]> {
  const facts: Partial<SotaOcrBaseMetadata["sotaocr"]> = {};
  if (page.pageRange) facts.pageRange = { ...page.pageRange };
  if (page.angle !== undefined) facts.angle = page.angle;
  if (page.width !== undefined) facts.width = page.width;
  if (page.height !== undefined) facts.height = page.height;
  return facts;
}
