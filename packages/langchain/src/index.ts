// The client, its errors (SotaOcrError and every subclass) and types, so one import serves.
export * from "@sotaocr/core";
export type { SotaOcrMetadata } from "./documents.js";
export { type LoaderInput, type LoadFailure, SotaOcrLoader, type SotaOcrLoaderOptions } from "./loader.js";
