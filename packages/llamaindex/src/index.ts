// The reader, and what its users name: the client to share (`client` option), the errors to catch,
// and the types its options and Documents use. The rest of the client is `@sotaocr/core`'s.

export {
  AbortError,
  APIConnectionError,
  APIError,
  AuthenticationError,
  BadRequestError,
  type ClientOptions,
  DownloadError,
  type DownloadLimits,
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
export { type ElementCoordinates, type ElementSpan, type FlatMetadata, flattenMetadata } from "@sotaocr/core/documents";
export { type ChunkLike, type ChunkSource, chunkSources } from "./chunk-sources.js";
export { EXCLUDED_EMBED_METADATA_KEYS, EXCLUDED_LLM_METADATA_KEYS, type SotaOcrReaderMetadata } from "./documents.js";
export { pageImageDocuments, type SotaOcrImageMetadata } from "./page-images.js";
export { type ReadFailure, SotaOcrReader, type SotaOcrReaderOptions } from "./reader.js";
