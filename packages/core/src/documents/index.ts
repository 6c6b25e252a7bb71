/**
 * `@sotaocr/core/documents`: what the framework integrations (`@sotaocr/langchain`,
 * `@sotaocr/llamaindex`) share on top of the client: their common options, stable Document ids,
 * and a result cut into per-page (or whole-result) parts. Not the client's surface: an
 * integration's users import from the integration, a client's users from `@sotaocr/core`.
 */

export { type DocumentOptions, type ResolvedDocumentOptions, resolveDocumentOptions } from "./document-options.js";
export { type DocumentPart, documentParts } from "./document-parts.js";
export { pageId, wholeResultId } from "./page-id.js";
