// The client, its errors (SotaOcrError and every subclass) and types, so one import serves.
export * from "@sotaocr/core";
export { EXCLUDED_EMBED_METADATA_KEYS, EXCLUDED_LLM_METADATA_KEYS, type SotaOcrReaderMetadata } from "./documents.js";
export { type ReadFailure, SotaOcrReader, type SotaOcrReaderOptions } from "./reader.js";
