export { DEFAULT_REDIS_URL, defaultRedisUrl, type RedisConnection } from "./connection.js";
export { QueuedFileChangedError, ResultNotFoundError, ResultTooLargeError } from "./errors.js";
export type { FileOrder } from "./file-order.js";
export { idempotencyKeyOf, queueJobId, type ResultOptions } from "./job-id.js";
export {
  type AddOptions,
  DEFAULT_QUEUE_NAME,
  OcrQueue,
  type QueueConnectionOptions,
  type QueuedFile,
  type QueueItem,
  type QueueStatus,
  type ResultsOptions,
} from "./queue.js";
export type { OcrJobData, QueueOcrOptions } from "./queued-file.js";
export { SharedRequestLimiter } from "./request-limiter.js";
export { DEFAULT_MAX_RESULT_BYTES, FolderResultStore, RedisResultStore, type ResultStore } from "./result-store.js";
export { OcrWorker, type OcrWorkerOptions, type OcrWorkerReturn } from "./worker.js";
