import type { Readable } from "node:stream";
import { type Dispatcher, request } from "undici";
import { AbortError, APIConnectionError, InvalidResponseError, isSotaOcrError, ResponseTooLargeError, TimeoutError } from "../errors.js";
import { linkedController, timerDelay } from "../utils/timers.js";
import { keyRedactor, type Redact, redactCause, redactHeaders, redactJson } from "./redact.js";
import { redirectError } from "./redirect-error.js";
import { errorFromResponse } from "./response-errors.js";
import type { MultipartBody, UploadProgress } from "./upload.js";

export interface TransportConfig {
  baseUrl: string;
  apiKey: string;
  dispatcher: Dispatcher;
  userAgent: string;
}

/** One HTTP attempt. */
export interface Attempt {
  method: "GET" | "POST";
  /** Path under the base URL, e.g. "/v1/jobs/job_1". */
  path: string;
  query?: Record<string, string> | undefined;
  headers?: Record<string, string> | undefined;
  body?: MultipartBody | undefined;
  /**
   * For uploads: the body's progress. The timeout then counts from the last byte sent (so large
   * files are not cut off while they move) and a failure after the whole body left is ambiguous.
   */
  upload?: { progress: UploadProgress; subscribe: (listener: () => void) => void; idempotencyKey: string } | undefined;
  /** The largest 2xx body read, in bytes. @default BODY_LIMIT_BYTES */
  maxBodyBytes?: number | undefined;
  /** Milliseconds the attempt may take (for uploads: may stay idle). */
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  /** The job concerned, for error messages. */
  jobId?: string | undefined;
}

export interface AttemptResult {
  status: number;
  /** Lower-cased, with the API key redacted. */
  headers: Record<string, string>;
  body: Buffer;
  /** Removes the API key from text taken from `body` (`parseJson` applies it). */
  redact: Redact;
}

const TIMED_OUT = Symbol("timed out");

/** Bytes read of an error status's body: its code and message are at the start; the rest is dropped. */
export const ERROR_BODY_LIMIT_BYTES = 64 * 1024;
/** The largest job status, upload answer, balance or info body: a few hundred bytes in practice. */
export const BODY_LIMIT_BYTES = 1024 * 1024;
/** The largest result or page preview (a 2,000-page result is about 1 MB). */
export const RESULT_BODY_LIMIT_BYTES = 64 * 1024 * 1024;

/**
 * Sends one request and reads the whole answer. Error statuses become `APIError`s, failures to get
 * an answer become `APIConnectionError`, `TimeoutError` or (the caller's signal) `AbortError`.
 */
export async function send(config: TransportConfig, attempt: Attempt): Promise<AttemptResult> {
  const url = new URL(attempt.path.replace(/^\//, ""), config.baseUrl.endsWith("/") ? config.baseUrl : `${config.baseUrl}/`);
  for (const [key, value] of Object.entries(attempt.query ?? {})) url.searchParams.set(key, value);
  const what = `${attempt.method} ${url.pathname}`;
  const redact = keyRedactor(config.apiKey);

  const { controller, dispose } = linkedController(attempt.signal);
  let timer: NodeJS.Timeout | undefined;
  let ended = false;
  const timeoutMs = timerDelay(attempt.timeoutMs); // undefined: no limit
  const armTimeout = () => {
    clearTimeout(timer);
    // A read of the file still in flight when the server answered early must not arm a new timer
    // (it would keep the process alive for timeoutMs after the request ended).
    if (timeoutMs !== undefined && !ended) timer = setTimeout(() => controller.abort(TIMED_OUT), timeoutMs);
  };
  armTimeout();
  attempt.upload?.subscribe(armTimeout);

  try {
    const response = await request(url, {
      method: attempt.method,
      headers: {
        authorization: `Bearer ${config.apiKey}`,
        "user-agent": config.userAgent,
        accept: "application/json",
        ...(attempt.body && { "content-type": attempt.body.contentType, "content-length": String(attempt.body.length) }),
        ...attempt.headers,
      },
      // undici sends any async iterable as a body; its types list only streams and buffers.
      body: attempt.body as unknown as Readable | undefined,
      signal: controller.signal,
      dispatcher: config.dispatcher,
      // Never followed, even by a dispatcher composed with undici's redirect interceptor: the key would go along.
      maxRedirections: 0,
    } as Parameters<typeof request>[1]);
    const headers = redactHeaders(flattenHeaders(response.headers), redact);
    if (response.statusCode >= 300 && response.statusCode < 400) {
      // Read (a little) rather than destroyed: a destroyed body with no reader raises an uncaught error.
      await readBody(response.body, ERROR_BODY_LIMIT_BYTES, { keepCut: true });
      throw redirectError({ status: response.statusCode, headers, url, path: attempt.path, what, jobId: attempt.jobId, redact });
    }
    const failed = response.statusCode >= 400;
    const limit = failed ? ERROR_BODY_LIMIT_BYTES : (attempt.maxBodyBytes ?? BODY_LIMIT_BYTES);
    // A failure's body is read up to the limit and cut there; any other body past it is refused.
    const { bytes: body, complete } = failed
      ? await readBody(response.body, limit, { keepCut: true })
      : await readBody(response.body, limit, { declaredLength: Number(headers["content-length"]) });
    if (failed) {
      throw errorFromResponse({
        status: response.statusCode,
        headers,
        body: body.toString("utf8"),
        what,
        jobId: attempt.jobId,
        redact,
        idempotencyKey: attempt.upload?.idempotencyKey,
      });
    }
    if (!complete) {
      const declared = headers["content-length"] ? ` (its Content-Length says ${headers["content-length"]} bytes)` : "";
      throw new ResponseTooLargeError(
        `${what} answered ${response.statusCode} with a body over ${sizeOf(limit)}${declared}, more than this client reads: it was not read. ` +
          "For a result, OCR the document in parts with pageRanges; otherwise check baseUrl / SOTAOCR_BASE_URL.",
        { status: response.statusCode, headers, jobId: attempt.jobId, limitBytes: limit },
      );
    }
    return { status: response.statusCode, headers, body, redact };
  } catch (error) {
    if (isSotaOcrError(error)) throw error;
    throw failureToError(error, attempt, what, controller.signal, redact);
  } finally {
    ended = true;
    clearTimeout(timer);
    dispose();
  }
}

/**
 * Reads a body up to `limit` bytes. Past it (or when `declaredLength` says so up front) the body
 * is destroyed rather than read on, which closes the connection: `complete` is then false, and
 * `bytes` holds the bytes within the limit with `keepCut`, none without.
 */
async function readBody(
  body: Dispatcher.ResponseData["body"],
  limit: number,
  options: { declaredLength?: number; keepCut?: boolean },
): Promise<{ bytes: Buffer; complete: boolean }> {
  if (options.declaredLength !== undefined && options.declaredLength > limit) {
    body.destroy();
    return { bytes: Buffer.alloc(0), complete: false };
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    if (size + chunk.byteLength > limit) {
      body.destroy();
      if (!options.keepCut) return { bytes: Buffer.alloc(0), complete: false };
      chunks.push(chunk.subarray(0, limit - size));
      return { bytes: Buffer.concat(chunks, limit), complete: false };
    }
    chunks.push(chunk);
    size += chunk.byteLength;
  }
  return { bytes: Buffer.concat(chunks, size), complete: true };
}

/** A size limit in words, e.g. "64 MiB". */
export function sizeOf(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${bytes / (1024 * 1024)} MiB` : `${bytes / 1024} KiB`;
}

/** Parses a JSON body (the API key redacted from every string in it), or says plainly that the server answered something else. */
export function parseJson(result: AttemptResult, what: string, jobId?: string): unknown {
  try {
    return redactJson(JSON.parse(result.body.toString("utf8")), result.redact);
  } catch (cause) {
    const type = result.headers["content-type"] ?? "no content type";
    throw new InvalidResponseError(
      `${what} answered ${result.status} with a body that is not JSON (${type}, ${result.body.byteLength} bytes). ` +
        "Check baseUrl / SOTAOCR_BASE_URL: it may point to something other than the SotaOCR API.",
      { status: result.status, headers: result.headers, jobId, cause: redactCause(cause, result.redact) },
    );
  }
}

function failureToError(error: unknown, attempt: Attempt, what: string, signal: AbortSignal, redact: Redact): Error {
  const upload = attempt.upload;
  // A job can only exist if the server got the whole body: until then, a failure is safe to retry.
  const mayHaveCreatedJob = upload ? upload.progress.done : false;
  const jobHint = mayHaveCreatedJob
    ? ` The whole file was sent, so the server may have created a job (Idempotency-Key ${upload?.idempotencyKey}): ` +
      "retry with the same idempotencyKey, or set retryAmbiguousUploads if the server honours it, rather than uploading anew."
    : "";
  const jobId = attempt.jobId;
  if (attempt.signal?.aborted) {
    const running = jobId ? `; job ${jobId} may still be running on the server (resume with waitForJob)` : "";
    return new AbortError(`${what} was aborted${running}.${jobHint}`, {
      cause: attempt.signal.reason,
      jobId,
      mayHaveCreatedJob,
      idempotencyKey: mayHaveCreatedJob ? upload?.idempotencyKey : undefined,
    });
  }
  if (signal.aborted && signal.reason === TIMED_OUT) {
    const idle = upload ? " without progress" : "";
    const message = `${what} got no answer${idle} within ${attempt.timeoutMs} ms (timeoutMs).${jobHint}`;
    return mayHaveCreatedJob
      ? new APIConnectionError(message, { mayHaveCreatedJob, idempotencyKey: upload?.idempotencyKey, jobId })
      : new TimeoutError(message, { jobId });
  }
  const reason = redact(describeFailure(error));
  return new APIConnectionError(`${what} failed: ${reason}. Check the network and baseUrl / SOTAOCR_BASE_URL.${jobHint}`, {
    cause: redactCause(error, redact),
    mayHaveCreatedJob,
    idempotencyKey: upload?.idempotencyKey,
    jobId,
  });
}

function describeFailure(error: unknown): string {
  const cause = error as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = cause.code ?? cause.cause?.code;
  const message = cause.message ?? String(error);
  return code && !message.includes(code) ? `${message} (${code})` : message;
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers)) {
    if (value !== undefined) flat[key.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return flat;
}
