export { phaseOf } from "./api/from-wire.js";
export { SotaOcrClient } from "./client.js";
export {
  AbortError,
  APIConnectionError,
  APIError,
  AuthenticationError,
  BadRequestError,
  DownloadError,
  type DownloadProblem,
  type FileChange,
  FileChangedError,
  InsufficientBalanceError,
  InternalServerError,
  InvalidInputError,
  type InvalidInputReason,
  InvalidPageRangeError,
  InvalidResponseError,
  isSotaOcrError,
  JobFailedError,
  MissingApiKeyError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  RedirectError,
  ResponseTooLargeError,
  SotaOcrError,
  TimeoutError,
  UnsupportedFileError,
} from "./errors.js";
export {
  DEFAULT_DOWNLOAD_MAX_BYTES,
  DEFAULT_DOWNLOAD_MAX_REDIRECTS,
  DEFAULT_DOWNLOAD_TIMEOUT_MS,
  type DownloadedFile,
  type DownloadLimits,
  type DownloadOptions,
  downloadUrl,
} from "./http/download.js";
export { parseRetryAfter } from "./http/retry.js";
export type { UploadProgress } from "./http/upload.js";
export { type SupportedFileType, sniffFileType } from "./input/file-type.js";
export { sha256Hex } from "./input/hash.js";
export { pagesToRead } from "./input/pdf-pages.js";
export { type OcrInput, type PreparedInput, prepareInput, sourceOf } from "./input/prepare-input.js";
export { DEFAULT_CONCURRENCY, type OcrManyInput, type OcrManyItem, type OcrManyOptions } from "./ocr-many.js";
export {
  type ClientOptions,
  DEFAULT_BASE_URL,
  DEFAULT_JOB_TIMEOUT_MS,
  DEFAULT_TIMEOUT_MS,
  type ExtractOptions,
  type GetPagesOptions,
  MIN_POLL_INTERVAL_MS,
  type OcrOptions,
  type RequestOptions,
  type WaitOptions,
} from "./options/client-options.js";
export { formatPageRanges, normalizePageRanges, type PageRange, type PageRangesInput } from "./options/page-ranges.js";
export { resolveFormat, resolvePageRanges } from "./options/resolve.js";
export type { PaceExchange } from "./polling/pace-exchange.js";
export { ELEMENT_CATEGORIES, type ElementCategory } from "./structure/categories.js";
export type {
  Balance,
  Job,
  JobPages,
  JobPhase,
  JobProgress,
  JobResult,
  ModelProfile,
  OcrElement,
  OcrFormat,
  OcrPage,
  OcrResult,
  PageAllowance,
  PagePreview,
  PageSource,
  ResultFormat,
  ServiceInfo,
} from "./types.js";
export { VERSION } from "./version.js";
