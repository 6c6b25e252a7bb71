import { createHash } from "node:crypto";
import type { ElementCategory, OcrFormat, OcrPage, OcrResult } from "@sotaocr/core";
import {
  type DocumentSplit,
  type ElementCoordinates,
  type ElementSpan,
  elementFields,
  forEachDocumentPart,
  type PageImage,
  type PageMarker,
} from "@sotaocr/core/documents";
import { Document, NodeRelationship } from "llamaindex";

/**
 * Metadata of each Document (snake_case, as LlamaIndex's own readers write it). Which keys are set
 * depends on `split`: see each key. Keys that only add noise are listed in the Document's
 * `excludedEmbedMetadataKeys` / `excludedLlmMetadataKeys` (EXCLUDED_EMBED_METADATA_KEYS…).
 */
export interface SotaOcrReaderMetadata {
  file_name: string;
  /** Absolute path (or the URL), when loaded with `loadData(path)`. */
  file_path?: string;
  /** What was uploaded: "pdf", "png" or "jpeg". */
  file_type: OcrResult["file"]["fileType"];
  /** SHA-256 (hex) of the file's bytes. */
  sha256: string;
  /** The page's number in the original document, also with `pageRanges`. Absent with `split: "file"`. */
  page_number?: number;
  /** The page number as a label ("3"). Absent with `split: "file"`. */
  page_label?: string;
  /** The document's page count, when it was processed whole. */
  total_pages?: number;
  /** With `pageRanges`: how many pages were processed (the document's total is not known then). */
  pages_processed?: number;
  /** Rotation the service detected and corrected, in degrees (page and element). */
  angle?: number;
  /** The page's size in pixels: the page image's, where element boxes are (page and element). */
  page_width?: number;
  page_height?: number;
  job_id: string;
  format: OcrFormat;
  /** `split: "page"`: where each element with text sits in `text`, with its box (what `chunkSources` reads). */
  element_spans?: ElementSpan[];
  /** `split: "element"`: what the element is (title, heading, text, table, list_item…). */
  category?: ElementCategory;
  /** `split: "element"`: the element's place in the page's reading order, from 1. */
  element_order?: number;
  /** `split: "element"`: the label the service gave it (e.g. "paragraph_title"). */
  element_label?: string;
  /** `split: "element"`: recognition confidence, 0–1, when the service gave one. */
  element_score?: number;
  /** `split: "element"`: the element's box, as LangChain's UnstructuredLoader writes it. */
  coordinates?: ElementCoordinates;
  /** `split: "element"`, tables only: the table as HTML (the text is a markdown table). */
  text_as_html?: string;
  /** `split: "element"`: the id of the page Document the element belongs to (what `split: "page"` gives). */
  parent_id?: string;
  /** With `pageImages`, page and element: the page's image file. */
  image_path?: string;
  /** With `pageImages` and `split: "file"`: each page's image file. */
  page_images?: { page_number: number; image_path: string }[];
  [key: string]: unknown;
}

/** Kept out of the text embedded: bookkeeping, boxes, HTML, ids, paths. File name, page and category stay. */
export const EXCLUDED_EMBED_METADATA_KEYS = [
  "file_path",
  "file_type",
  "sha256",
  "job_id",
  "format",
  "total_pages",
  "pages_processed",
  "angle",
  "page_width",
  "page_height",
  "element_spans",
  "element_order",
  "element_label",
  "element_score",
  "coordinates",
  "text_as_html",
  "parent_id",
  "image_path",
  "page_images",
];
/** Kept out of LLM prompts: the same, except `total_pages` (a prompt may say "page 3 of 12"). */
export const EXCLUDED_LLM_METADATA_KEYS = EXCLUDED_EMBED_METADATA_KEYS.filter((key) => key !== "total_pages");
/**
 * Left out of the dedup hash: they change between runs over the same bytes (a new job, the same
 * file loaded from another place or as bytes, images written to another folder) while the text
 * does not.
 */
const VOLATILE_KEYS = new Set(["job_id", "file_path", "image_path", "page_images"]);

/**
 * One Document per page, element or file, as `split` says. `id_` comes from the file's SHA-256
 * and the page (and element), and `hash` from the text and the stable metadata, so ingesting the
 * same file twice gives the same nodes and a docstore recognises them. An element Document's
 * `PARENT` relationship (and `parent_id`, which survives splitters) names its page.
 */
export function toDocuments(
  result: OcrResult,
  split: DocumentSplit,
  pageMarker: PageMarker,
  filePath: string | undefined,
  images: ReadonlyMap<number, PageImage> | undefined,
): Document<SotaOcrReaderMetadata>[] {
  // Metadata built key by key, not spread: this runs once per element of a result (tens of
  // thousands), and each Document needs objects of its own (callers edit metadata).
  const common = (): SotaOcrReaderMetadata => {
    const metadata = { file_name: result.file.filename } as SotaOcrReaderMetadata;
    if (filePath) metadata.file_path = filePath;
    metadata.file_type = result.file.fileType;
    metadata.sha256 = result.file.sha256;
    if (result.pageRanges) metadata.pages_processed = result.pageCount;
    else metadata.total_pages = result.pageCount;
    metadata.job_id = result.jobId;
    metadata.format = result.format;
    return metadata;
  };
  const pageKeys = (page: OcrPage): SotaOcrReaderMetadata => {
    const metadata = common();
    metadata.page_number = page.pageNumber;
    metadata.page_label = String(page.pageNumber);
    if (page.angle !== undefined) metadata.angle = page.angle;
    if (page.width !== undefined) metadata.page_width = page.width;
    if (page.height !== undefined) metadata.page_height = page.height;
    const image = images?.get(page.pageNumber);
    if (image) metadata.image_path = image.path;
    return metadata;
  };
  const documents: Document<SotaOcrReaderMetadata>[] = [];
  forEachDocumentPart(result, split, pageMarker, (part) => {
    let metadata: SotaOcrReaderMetadata;
    let relationships: Document<SotaOcrReaderMetadata>["relationships"] = {};
    if (part.kind === "file") {
      metadata = common();
      if (images?.size)
        metadata.page_images = [...images.values()].map((image) => ({ page_number: image.pageNumber, image_path: image.path }));
    } else {
      metadata = pageKeys(part.page);
      if (part.kind === "page") {
        if (part.spans.length > 0) metadata.element_spans = part.spans;
      } else {
        const { element } = part;
        const fields = elementFields(element, part.page);
        metadata.category = fields.category;
        metadata.element_order = fields.element_order;
        if (fields.coordinates) metadata.coordinates = fields.coordinates;
        if (fields.text_as_html !== undefined) metadata.text_as_html = fields.text_as_html;
        if (element.label !== undefined) metadata.element_label = element.label;
        if (element.score !== undefined) metadata.element_score = element.score;
        metadata.parent_id = part.pageId;
        // PARENT, not SOURCE: an IngestionPipeline's upsert strategies take a node's SOURCE as the
        // Document it came from, and would look the element up under its page's id.
        relationships = { [NodeRelationship.PARENT]: { nodeId: part.pageId, metadata: pageKeys(part.page) } };
      }
    }
    const document = new Document<SotaOcrReaderMetadata>({
      id_: part.id,
      text: part.text,
      metadata,
      relationships,
      excludedEmbedMetadataKeys: [...EXCLUDED_EMBED_METADATA_KEYS],
      excludedLlmMetadataKeys: [...EXCLUDED_LLM_METADATA_KEYS],
    });
    document.hash = stableHash(part.text, metadata);
    documents.push(document);
  });
  return documents;
}

/** A hash of the text and the metadata that stays the same between runs over the same bytes. */
export function stableHash(text: string, metadata: Readonly<Record<string, unknown>>): string {
  const stable = Object.keys(metadata)
    .filter((key) => !VOLATILE_KEYS.has(key))
    .sort()
    .map((key) => `${key}: ${JSON.stringify(metadata[key])}`)
    .join("\n");
  return createHash("sha256").update(`${stable}\n\n${text}`).digest("base64");
}
