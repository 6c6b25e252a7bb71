/**
 * `@sotaocr/core/documents`: what the framework integrations (`@sotaocr/langchain`,
 * `@sotaocr/llamaindex`) share on top of the client: their common options, stable Document ids,
 * a result cut into page, element or file parts, element metadata and spans, and flat metadata.
 * Not the client's surface: an integration's users import from the integration, a client's users
 * from `@sotaocr/core`.
 */

export {
  htmlTablesToMarkdown,
  parseHtmlTable,
  parseMarkdownTable,
  type TableRows,
  tableToHtml,
  tableToMarkdown,
  tableToText,
} from "../structure/tables.js";
export { type DocumentOptions, type ResolvedDocumentOptions, resolveDocumentOptions } from "./document-options.js";
export {
  DEFAULT_PAGE_MARKER,
  DOCUMENT_SPLITS,
  type DocumentPart,
  type DocumentSplit,
  documentParts,
  type ElementPart,
  elementId,
  type FilePart,
  forEachDocumentPart,
  type PageMarker,
  type PagePart,
} from "./document-parts.js";
export { boxOfPoints, coordinatesOf, type ElementCoordinates, type ElementFields, elementFields } from "./element-fields.js";
export { type ElementSpan, elementSpans, spansInChunk } from "./element-spans.js";
export { type FlatMetadata, flattenMetadata } from "./flat-metadata.js";
export { pageId, wholeResultId } from "./page-id.js";
export { type PageImage, type PageImagesOptions, previewPageNumber, writePageImages } from "./page-images.js";
