import { createHash } from "node:crypto";
import type { OcrFormat, OcrResult } from "@sotaocr/core";
import { type DocumentSplit, documentParts, type PageMarker } from "@sotaocr/core/documents";
import { Document } from "llamaindex";

/** Metadata of each Document (snake_case, as LlamaIndex's own readers write it). */
export interface SotaOcrReaderMetadata {
  file_name: string;
  /** Absolute path, when loaded with `loadData(path)`. */
  file_path?: string;
  /** The page's number in the original document, also with `pageRanges`. Absent with `split: "file"`. */
  page_number?: number;
  /** The page number as a label ("3"). */
  page_label?: string;
  /** The document's page count, when it was processed whole. */
  total_pages?: number;
  /** With `pageRanges`: how many pages were processed (the document's total is not known then). */
  pages_processed?: number;
  job_id: string;
  format: OcrFormat;
  [key: string]: unknown;
}

/** Bookkeeping kept out of embeddings and prompts; the file name and page stay in both. */
export const EXCLUDED_EMBED_METADATA_KEYS = ["file_path", "job_id", "format", "total_pages", "pages_processed"];
export const EXCLUDED_LLM_METADATA_KEYS = ["file_path", "job_id", "format", "pages_processed"];
/**
 * Left out of the dedup hash: they change between runs over the same bytes (a new job, or the
 * same file loaded from another place or as bytes) while the page itself does not.
 */
const VOLATILE_KEYS = new Set(["job_id", "file_path"]);

/**
 * One Document per page (or per file). `id_` comes from the file's SHA-256 and the page number, and
 * `hash` from the text and the stable metadata, so ingesting the same file twice gives the same
 * nodes and a docstore recognises them.
 */
export function toDocuments(
  result: OcrResult,
  split: DocumentSplit,
  pageMarker: PageMarker,
  filePath?: string,
): Document<SotaOcrReaderMetadata>[] {
  const common = {
    file_name: result.file.filename,
    ...(filePath ? { file_path: filePath } : {}),
    ...(result.pageRanges ? { pages_processed: result.pageCount } : { total_pages: result.pageCount }),
    job_id: result.jobId,
    format: result.format,
  };
  return documentParts(result, split, pageMarker).map((part) => {
    const { id, text } = part;
    // TODO(#14): element metadata (category, box, table HTML) and relationships.
    const metadata =
      part.kind !== "file" ? { ...common, page_number: part.page.pageNumber, page_label: String(part.page.pageNumber) } : common;
    const document = new Document<SotaOcrReaderMetadata>({
      id_: id,
      text,
      metadata,
      excludedEmbedMetadataKeys: [...EXCLUDED_EMBED_METADATA_KEYS],
      excludedLlmMetadataKeys: [...EXCLUDED_LLM_METADATA_KEYS],
    });
    document.hash = stableHash(text, metadata);
    return document;
  });
}

function stableHash(text: string, metadata: Record<string, unknown>): string {
  const stable = Object.keys(metadata)
    .filter((key) => !VOLATILE_KEYS.has(key))
    .sort()
    .map((key) => `${key}: ${JSON.stringify(metadata[key])}`)
    .join("\n");
  return createHash("sha256").update(`${stable}\n\n${text}`).digest("base64");
}
