import { SotaOcrError } from "@sotaocr/core";

/** A result larger than `RedisResultStore` keeps (`maxBytes`): use a `FolderResultStore`, or raise the limit. */
export class ResultTooLargeError extends SotaOcrError {
  /** The result's size as stored (JSON, UTF-8), in bytes. */
  readonly bytes: number;
  readonly maxBytes: number;
  constructor(message: string, bytes: number, maxBytes: number) {
    super(message);
    this.bytes = bytes;
    this.maxBytes = maxBytes;
  }
}

/** A queued file's bytes are no longer those it was queued with: add it again. */
export class QueuedFileChangedError extends SotaOcrError {}

/** A queued file has no result (yet) in the store. */
export class ResultNotFoundError extends SotaOcrError {}

// Named on the prototype, as core names its errors, so `ResultTooLargeError.isInstance()` works across copies.
for (const [name, ctor] of Object.entries({ ResultTooLargeError, QueuedFileChangedError, ResultNotFoundError })) {
  Object.defineProperty(ctor.prototype, "name", { value: name, enumerable: false, writable: true, configurable: true });
}
