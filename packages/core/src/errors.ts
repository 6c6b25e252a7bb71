/**
 * Every error this library throws is a `SotaOcrError`. Catch the subclasses you can act on:
 *
 * ```
 * SotaOcrError
 * ├─ MissingApiKeyError          no key in options or SOTAOCR_API_KEY, or not a key (spaces, < 6 characters); nothing was sent
 * ├─ InvalidInputError           path missing / a directory / empty / unreadable (nothing was sent)
 * │  ├─ UnsupportedFileError     not a PDF, PNG or JPEG, or a truncated PDF (nothing was sent)
 * │  ├─ FileChangedError         the file changed while it was read to be sent (no job was created)
 * │  └─ DownloadError            a URL input could not be downloaded within its limits (`problem`)
 * ├─ InvalidPageRangeError       page ranges that are not positive integers with start ≤ end
 * ├─ APIError                    the server answered with an error status (`status`, `code`)
 * │  ├─ BadRequestError          400
 * │  ├─ AuthenticationError      401
 * │  ├─ InsufficientBalanceError 402: the account has no pages left; stops every file of a load
 * │  ├─ PermissionDeniedError    403
 * │  ├─ NotFoundError            404
 * │  ├─ RateLimitError           429
 * │  ├─ InternalServerError      ≥ 500
 * │  ├─ InvalidResponseError     2xx whose body is not what the API documents
 * │  │  └─ ResponseTooLargeError a 2xx body past the size limit (`limitBytes`); not read to the end
 * │  └─ RedirectError            3xx: baseUrl is not where the API is served (`location`)
 * ├─ APIConnectionError          no usable answer (refused, reset, DNS); `mayHaveCreatedJob`
 * ├─ TimeoutError                a request or a job's deadline ran out; `jobId` to resume
 * ├─ AbortError                  the caller's `signal` fired; `jobId` to resume
 * └─ JobFailedError              the job ended as failed on the server
 * ```
 *
 * No error holds the API key, in any property, message or cause: the transport removes it from
 * every header, body and parse error the server's answer produced (see redact.ts).
 */

const BRAND = Symbol.for("sotaocr.error");

export interface SotaOcrErrorOptions {
  cause?: unknown;
  /** The job this error concerns, when one exists: use it to resume with `waitForJob`. */
  jobId?: string | undefined;
}

export class SotaOcrError extends Error {
  /** The job this error concerns, when one exists. */
  readonly jobId: string | undefined;

  constructor(message: string, options: SotaOcrErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.jobId = options.jobId;
  }

  /** True for an error of this class or a subclass, even one thrown by another copy of the package. */
  // Typed on the constructor's shape, not `typeof SotaOcrError`, so subclasses whose constructors take
  // other arguments (DownloadError, FileChangedError) have it too.
  static isInstance<T extends abstract new (...args: never[]) => SotaOcrError>(this: T, value: unknown): value is InstanceType<T> {
    return isSotaOcrError(value) && kindsOf(value).includes(this.prototype.name);
  }

  /** Plain-object form for loggers; `JSON.stringify(error)` uses it. */
  toJSON(): Record<string, unknown> {
    const json: Record<string, unknown> = { name: this.name, message: this.message };
    for (const [key, value] of Object.entries(this)) {
      if (value !== undefined && key !== "name") json[key] = value;
    }
    return json;
  }
}

/** The class names along the prototype chain, e.g. ["NotFoundError", "APIError", "SotaOcrError"]. */
function kindsOf(value: object): string[] {
  const kinds: string[] = [];
  for (let proto = Object.getPrototypeOf(value); proto && proto !== Error.prototype; proto = Object.getPrototypeOf(proto)) {
    if (Object.hasOwn(proto, "name")) kinds.push(proto.name);
  }
  return kinds;
}

/** True when `value` is an error thrown by any copy of this library (the brand is a global symbol). */
export function isSotaOcrError(value: unknown): value is SotaOcrError {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

export class MissingApiKeyError extends SotaOcrError {
  /** `problem`: what is wrong with the key that was given; none given when omitted. */
  constructor(problem?: string) {
    super(
      problem
        ? `The SotaOCR API key ${problem}: check the apiKey option or the SOTAOCR_API_KEY environment variable.`
        : "No SotaOCR API key: pass { apiKey } or set the SOTAOCR_API_KEY environment variable. " +
            "For offline work, start the local emulator (`npx @sotaocr/emulator`) and set the SOTAOCR_BASE_URL and SOTAOCR_API_KEY it prints.",
    );
  }
}

export type InvalidInputReason =
  | "not_found"
  | "is_directory"
  | "empty"
  | "unreadable"
  | "invalid_type"
  | "unsupported_type"
  | "truncated"
  | "changed";

export class InvalidInputError extends SotaOcrError {
  /** What is wrong with the input, in a word. */
  readonly reason: InvalidInputReason;
  /** The path or name of the input, as the caller gave it. */
  readonly source: string | undefined;

  constructor(message: string, reason: InvalidInputReason, source?: string, options?: SotaOcrErrorOptions) {
    super(message, options);
    this.reason = reason;
    this.source = source;
  }
}

export class UnsupportedFileError extends InvalidInputError {
  /** What the first bytes look like, when recognised (e.g. "gif", "zip"). */
  readonly detectedType: string | undefined;

  constructor(message: string, source?: string, detectedType?: string, reason: InvalidInputReason = "unsupported_type") {
    super(message, reason, source);
    this.detectedType = detectedType;
  }
}

/** What changed about a file being read: its size, its modification time (rewritten in place), the file itself (another put in its place), or it is gone. */
export type FileChange = "size" | "modification_time" | "replaced" | "deleted";

/**
 * The file was changed (appended to, truncated, rewritten, replaced or deleted) while it was being
 * read to hash or send it. The upload was cut off before its end, so no job exists; never retried,
 * since the bytes sent would not be the file's (nor match its hash, the cache key and page ids).
 */
export class FileChangedError extends InvalidInputError {
  /** What changed, in a word. */
  readonly change: FileChange;
  /** What changed, in words, e.g. "its size went from 1024 to 2048 bytes" (also in the message). */
  readonly detail: string;

  constructor(source: string, change: { change: FileChange; detail: string }, options?: SotaOcrErrorOptions) {
    super(
      `${source} changed while it was being read to upload (${change.detail}): nothing was sent whole and no job was created. ` +
        "Wait until whatever writes the file has finished (or have it write elsewhere and rename the file into place), then try again.",
      "changed",
      source,
      options,
    );
    this.change = change.change;
    this.detail = change.detail;
  }
}

/** What stopped a download, in a word. */
export type DownloadProblem = "url" | "status" | "too_large" | "timeout" | "redirects" | "connection";

/**
 * A URL input that could not be downloaded: an error status, a body over `maxBytes` (not read on),
 * no end within `timeoutMs`, more than `maxRedirects` redirects, or no connection. Nothing was uploaded.
 */
export class DownloadError extends InvalidInputError {
  readonly problem: DownloadProblem;
  /** The HTTP status, for `problem: "status"`. */
  readonly status: number | undefined;
  /** The size cap, for `problem: "too_large"`. */
  readonly limitBytes: number | undefined;

  constructor(
    message: string,
    url: string,
    problem: DownloadProblem,
    options: SotaOcrErrorOptions & { status?: number | undefined; limitBytes?: number | undefined } = {},
  ) {
    super(message, problem === "status" && options.status === 404 ? "not_found" : "unreadable", url, options);
    this.problem = problem;
    this.status = options.status;
    this.limitBytes = options.limitBytes;
  }
}

export class InvalidPageRangeError extends SotaOcrError {}

export interface APIErrorOptions extends SotaOcrErrorOptions {
  status: number;
  /** The server's error code, e.g. "invalid_page_ranges". */
  code?: string | undefined;
  /** The server's own message. */
  serverMessage?: string | undefined;
  /** Response headers, lower-cased. */
  headers?: Record<string, string> | undefined;
  /** A request id from the response headers, for support. */
  requestId?: string | undefined;
  /** For an upload answered 5xx (not 503): the server may have created a job before failing. */
  mayHaveCreatedJob?: boolean | undefined;
  /** That upload's `Idempotency-Key`, set with `mayHaveCreatedJob`. */
  idempotencyKey?: string | undefined;
}

export class APIError extends SotaOcrError {
  /** The HTTP status. */
  readonly status: number;
  /** The server's error code, when it sent one. */
  readonly code: string | undefined;
  /** The server's own message, when it sent one. */
  readonly serverMessage: string | undefined;
  /** A request id from the response headers, for support. */
  readonly requestId: string | undefined;
  /** True for an upload answered 5xx (not 503): the server may have created (and will bill) a job. */
  readonly mayHaveCreatedJob: true | undefined;
  /** That upload's `Idempotency-Key`: `extract(file, { idempotencyKey })` gets that job rather than a second one. */
  readonly idempotencyKey: string | undefined;
  /** The response headers (lower-cased); never the request's, which carry the key. */
  declare readonly headers: Record<string, string> | undefined;

  constructor(message: string, options: APIErrorOptions) {
    super(message, options);
    this.status = options.status;
    this.code = options.code;
    this.serverMessage = options.serverMessage;
    this.requestId = options.requestId;
    // Set only for such uploads, so other errors' JSON stays as it was.
    this.mayHaveCreatedJob = options.mayHaveCreatedJob ? true : undefined;
    this.idempotencyKey = options.mayHaveCreatedJob ? options.idempotencyKey : undefined;
    // Kept out of JSON.stringify and logs: useful to read, noisy to print.
    Object.defineProperty(this, "headers", { value: options.headers, enumerable: false });
  }
}

export class BadRequestError extends APIError {}
export class AuthenticationError extends APIError {}
/**
 * 402 `insufficient_balance`: the account's pages do not cover the upload (no job was created).
 * About the account, not the file: loaders stop every file on it. Check with `getBalance()`.
 */
export class InsufficientBalanceError extends APIError {}
export class PermissionDeniedError extends APIError {}
export class NotFoundError extends APIError {}
export class RateLimitError extends APIError {
  /** How long the server asked to wait, in ms, when it said. */
  readonly retryAfterMs: number | undefined;
  constructor(message: string, options: APIErrorOptions & { retryAfterMs?: number | undefined }) {
    super(message, options);
    this.retryAfterMs = options.retryAfterMs;
  }
}
export class InternalServerError extends APIError {}
export class InvalidResponseError extends APIError {}
/** A 3xx answer: never followed (the request carries the API key), never taken as success. */
export class RedirectError extends APIError {
  /** Where the server redirected to, without credentials, query or fragment (when it said). */
  readonly location: string | undefined;
  constructor(message: string, options: APIErrorOptions & { location?: string | undefined }) {
    super(message, options);
    this.location = options.location;
  }
}
/** A 2xx answer larger than the client reads (see the README's limits); it was not read to the end. */
export class ResponseTooLargeError extends InvalidResponseError {
  /** The most bytes this kind of answer may have. */
  readonly limitBytes: number;
  constructor(message: string, options: APIErrorOptions & { limitBytes: number }) {
    super(message, options);
    this.limitBytes = options.limitBytes;
  }
}

export interface APIConnectionErrorOptions extends SotaOcrErrorOptions {
  /**
   * True when an upload failed after its whole body was sent: the server may have created (and
   * will bill) a job. Retry with the same `idempotencyKey`, or look the job up before uploading again.
   */
  mayHaveCreatedJob?: boolean;
  /** The `Idempotency-Key` the failed upload carried. */
  idempotencyKey?: string | undefined;
}

export class APIConnectionError extends SotaOcrError {
  /** See {@link APIConnectionErrorOptions.mayHaveCreatedJob}. */
  readonly mayHaveCreatedJob: boolean;
  /** The `Idempotency-Key` of the upload that failed, if it was one. */
  readonly idempotencyKey: string | undefined;

  constructor(message: string, options: APIConnectionErrorOptions = {}) {
    super(message, options);
    this.mayHaveCreatedJob = options.mayHaveCreatedJob ?? false;
    this.idempotencyKey = options.idempotencyKey;
  }
}

export class TimeoutError extends SotaOcrError {}

export class AbortError extends SotaOcrError {
  /** True for an upload aborted after its whole file was sent: the server may have created (and will bill) a job. */
  readonly mayHaveCreatedJob: true | undefined;
  /** That upload's `Idempotency-Key`: send it again to get that job rather than a second one. */
  readonly idempotencyKey: string | undefined;
  constructor(message: string, options: SotaOcrErrorOptions & { mayHaveCreatedJob?: boolean; idempotencyKey?: string | undefined } = {}) {
    super(message, options);
    this.mayHaveCreatedJob = options.mayHaveCreatedJob ? true : undefined;
    this.idempotencyKey = options.mayHaveCreatedJob ? options.idempotencyKey : undefined;
  }
}

export class JobFailedError extends SotaOcrError {
  /** The server's error code for the failure, when it sent one. */
  readonly code: string | undefined;
  /** The server's own message for the failure, when it sent one. */
  readonly serverMessage: string | undefined;
  /** The status the job ended in (e.g. "failed", "cancelled"). */
  readonly status: string;

  constructor(jobId: string, status: string, code?: string, serverMessage?: string) {
    const detail = [code, serverMessage].filter(Boolean).join(": ");
    super(`Job ${jobId} ended as "${status}"${detail ? ` (${detail})` : ""}. ${adviceFor(code)}`, { jobId });
    this.status = status;
    this.code = code;
    this.serverMessage = serverMessage;
  }
}

// Names live on the prototypes (not as instance fields) so they survive minifiers that rename
// classes, and so `kindsOf` can read an error's lineage from any copy of this package.
const classes = {
  SotaOcrError,
  MissingApiKeyError,
  InvalidInputError,
  UnsupportedFileError,
  FileChangedError,
  DownloadError,
  InvalidPageRangeError,
  APIError,
  BadRequestError,
  AuthenticationError,
  InsufficientBalanceError,
  PermissionDeniedError,
  NotFoundError,
  RateLimitError,
  InternalServerError,
  InvalidResponseError,
  RedirectError,
  ResponseTooLargeError,
  APIConnectionError,
  TimeoutError,
  AbortError,
  JobFailedError,
};
for (const [name, ctor] of Object.entries(classes)) {
  Object.defineProperty(ctor.prototype, "name", { value: name, enumerable: false, writable: true, configurable: true });
}
Object.defineProperty(SotaOcrError.prototype, BRAND, { value: true, enumerable: false });

/** What to do about a failed job, by the server's code. */
function adviceFor(code: string | undefined): string {
  switch (code) {
    case "encrypted_pdf":
      return "The PDF is password-protected: save a copy without the password and upload that.";
    case "page_range_out_of_bounds":
      return "The page ranges go beyond the document: check its page count and the ranges.";
    case "insufficient_balance":
      return "The account ran out of pages: check the balance with getBalance() and top up, then upload the file again.";
    case "invalid_pdf":
    case "invalid_image":
      return "The file could not be read as its type: check that it opens locally, or export it again.";
    default:
      return "The file was not processed; check that it opens locally, then upload it again.";
  }
}

/** The error for an aborted wait: our own errors pass through, anything else becomes an `AbortError`. */
export function toAbortError(reason: unknown, jobId: string | undefined): SotaOcrError {
  if (isSotaOcrError(reason)) return reason;
  const message = jobId
    ? `Aborted by the caller's signal; job ${jobId} may still be running on the server (resume with waitForJob("${jobId}")).`
    : "Aborted by the caller's signal, before any job was known to exist (no job id to resume): call again to run it.";
  return new AbortError(message, {
    cause: reason,
    jobId,
  });
}
