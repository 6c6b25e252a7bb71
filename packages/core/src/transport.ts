import type { Readable } from "node:stream";
import { type Dispatcher, request } from "undici";
import { AbortError, APIConnectionError, InvalidResponseError, isSotaOcrError, TimeoutError } from "./errors.js";
import { errorFromResponse } from "./response-errors.js";
import { linkedController, timerDelay } from "./sleep.js";
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
  /** Milliseconds the attempt may take (for uploads: may stay idle). */
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  /** The job concerned, for error messages. */
  jobId?: string | undefined;
}

export interface AttemptResult {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

const TIMED_OUT = Symbol("timed out");

/**
 * Sends one request and reads the whole answer. Error statuses become `APIError`s, failures to get
 * an answer become `APIConnectionError`, `TimeoutError` or (the caller's signal) `AbortError`.
 */
export async function send(config: TransportConfig, attempt: Attempt): Promise<AttemptResult> {
  const url = new URL(attempt.path.replace(/^\//, ""), config.baseUrl.endsWith("/") ? config.baseUrl : `${config.baseUrl}/`);
  for (const [key, value] of Object.entries(attempt.query ?? {})) url.searchParams.set(key, value);
  const what = `${attempt.method} ${url.pathname}`;

  const { controller, dispose } = linkedController(attempt.signal);
  let timer: NodeJS.Timeout | undefined;
  const timeoutMs = timerDelay(attempt.timeoutMs); // undefined: no limit
  const armTimeout = () => {
    clearTimeout(timer);
    if (timeoutMs !== undefined) timer = setTimeout(() => controller.abort(TIMED_OUT), timeoutMs);
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
    });
    const body = Buffer.from(await response.body.arrayBuffer());
    const headers = flattenHeaders(response.headers);
    if (response.statusCode >= 400) {
      throw errorFromResponse({
        status: response.statusCode,
        headers,
        body: body.toString("utf8"),
        what,
        jobId: attempt.jobId,
        redact: (text) => redactKey(text, config.apiKey),
        idempotencyKey: attempt.upload?.idempotencyKey,
      });
    }
    return { status: response.statusCode, headers, body };
  } catch (error) {
    if (isSotaOcrError(error)) throw error;
    throw failureToError(error, attempt, what, controller.signal);
  } finally {
    clearTimeout(timer);
    dispose();
  }
}

/** Parses a JSON body, or says plainly that the server answered something else. */
export function parseJson(result: AttemptResult, what: string, jobId?: string): unknown {
  try {
    return JSON.parse(result.body.toString("utf8"));
  } catch (cause) {
    const type = result.headers["content-type"] ?? "no content type";
    throw new InvalidResponseError(
      `${what} answered ${result.status} with a body that is not JSON (${type}, ${result.body.byteLength} bytes). ` +
        "Check baseUrl / SOTAOCR_BASE_URL: it may point to something other than the SotaOCR API.",
      { status: result.status, headers: result.headers, jobId, cause },
    );
  }
}

function failureToError(error: unknown, attempt: Attempt, what: string, signal: AbortSignal): Error {
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
    });
  }
  if (signal.aborted && signal.reason === TIMED_OUT) {
    const idle = upload ? " without progress" : "";
    const message = `${what} got no answer${idle} within ${attempt.timeoutMs} ms (timeoutMs).${jobHint}`;
    return mayHaveCreatedJob
      ? new APIConnectionError(message, { mayHaveCreatedJob, idempotencyKey: upload?.idempotencyKey, jobId })
      : new TimeoutError(message, { jobId });
  }
  const reason = describeFailure(error);
  return new APIConnectionError(`${what} failed: ${reason}. Check the network and baseUrl / SOTAOCR_BASE_URL.${jobHint}`, {
    cause: error,
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

/**
 * Removes the API key from text a server sent back (it might echo our headers). Keys shorter than
 * 8 characters are test keys, and replacing them would garble ordinary words.
 */
function redactKey(text: string, apiKey: string): string {
  return apiKey.length >= 8 ? text.replaceAll(apiKey, "[redacted]") : text;
}
