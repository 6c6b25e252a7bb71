// The loader, and what its users name: the client to share (`client` option), the errors to catch,
// and the types its options and Documents use. The rest of the client is `@sotaocr/core`'s.

export {
  AbortError,
  APIConnectionError,
  APIError,
  AuthenticationError,
  BadRequestError,
  type ClientOptions,
  type ElementCategory,
  FileChangedError,
  InsufficientBalanceError,
  InternalServerError,
  InvalidInputError,
  type InvalidInputReason,
  InvalidPageRangeError,
  InvalidResponseError,
  isSotaOcrError,
  JobFailedError,
  type JobProgress,
  MissingApiKeyError,
  NotFoundError,
  type OcrFormat,
  type PageRange,
  type PageRangesInput,
  PermissionDeniedError,
  RateLimitError,
  RedirectError,
  ResponseTooLargeError,
  SotaOcrClient,
  SotaOcrError,
  TimeoutError,
  UnsupportedFileError,
} from "@sotaocr/core";
export { type FlatMetadata, flattenMetadata } from "@sotaocr/core/documents";
export { type ChunkSource, chunkSources } from "./chunk-sources.js";
export type { SotaOcrElementMetadata, SotaOcrFileMetadata, SotaOcrMetadata, SotaOcrMetadataFor } from "./documents.js";
export { type LoaderInput, type LoadFailure, SotaOcrLoader, type SotaOcrLoaderOptions } from "./loader.js";
