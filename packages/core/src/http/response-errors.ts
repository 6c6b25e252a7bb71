import { errorBodySchema } from "../api/schemas.js";
import {
  APIError,
  type APIErrorOptions,
  AuthenticationError,
  BadRequestError,
  InsufficientBalanceError,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
} from "../errors.js";
import { type Redact, redactJson } from "./redact.js";
import { parseRetryAfter } from "./retry.js";

/** What a failed response says, ready to turn into an `APIError`. */
export interface FailedResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** e.g. "GET /v1/jobs/job_1", for the message. */
  what: string;
  jobId?: string | undefined;
  /** Removes secrets from text the server sent back (it might echo our headers); `headers` already are. */
  redact: Redact;
  /** Set for uploads: a server error after an upload may still have created a job. */
  idempotencyKey?: string | undefined;
}

/** The typed error for an HTTP error status, with the server's code and message when it sent them. */
export function errorFromResponse(response: FailedResponse): APIError {
  const { status, headers, what, jobId } = response;
  // Redacted whole, before any snippet is cut from it; parsed values (JSON escapes) again after.
  const body = readErrorBody(response.redact(response.body), headers["content-type"], response.redact);
  const { code: serverCode, message: serverMessage } = body;
  const said = [serverCode, serverMessage].filter(Boolean).join(": ");
  const mayHaveCreatedJob = response.idempotencyKey !== undefined && status >= 500 && status !== 503;
  const jobHint = mayHaveCreatedJob
    ? ` The server may have created a job before failing: retry with the same idempotencyKey (${response.idempotencyKey}) rather than uploading anew.`
    : "";
  const text = `SotaOCR answered ${status}${said ? ` (${said})` : ""} to ${what}. ${advice(status, jobId, headers["content-type"], response.idempotencyKey !== undefined)}${jobHint}`;
  const options: APIErrorOptions = {
    status,
    code: serverCode,
    serverMessage,
    headers,
    jobId,
    requestId: headers["x-request-id"] ?? headers["request-id"],
    mayHaveCreatedJob,
    idempotencyKey: mayHaveCreatedJob ? response.idempotencyKey : undefined,
  };
  if (status === 400) return new BadRequestError(text, options);
  if (status === 401) return new AuthenticationError(text, options);
  if (status === 402 || (status < 500 && serverCode === "insufficient_balance")) return new InsufficientBalanceError(text, options);
  if (status === 403) return new PermissionDeniedError(text, options);
  if (status === 404) return new NotFoundError(text, options);
  if (status === 429) return new RateLimitError(text, { ...options, retryAfterMs: parseRetryAfter(headers) });
  if (status >= 500) return new InternalServerError(text, options);
  return new APIError(text, options);
}

function advice(status: number, jobId: string | undefined, contentType: string | undefined, upload: boolean): string {
  if (contentType?.includes("text/html")) {
    return "The answer is an HTML page, not the SotaOCR API: check baseUrl / SOTAOCR_BASE_URL.";
  }
  switch (status) {
    case 400:
      return "The request was rejected; fix what the server names and send it again.";
    case 401:
      return "Check the API key (the apiKey option or SOTAOCR_API_KEY).";
    case 402:
      return `The account has no pages left for this: check the balance with client.getBalance() (or \`sotaocr balance\`) and top up, then try again.${upload ? " No job was created." : ""}`;
    case 403:
      return "This API key is not allowed to do that: check the account and its plan.";
    case 404:
      return jobId
        ? `Job ${jobId} does not exist for this API key: it may have expired or belong to another key.`
        : "Check baseUrl / SOTAOCR_BASE_URL.";
    case 413:
      return "The file is larger than the service accepts: split it, or limit it with pageRanges.";
    case 415:
      return "The service does not accept this file type: send a PDF, PNG or JPEG.";
    case 429:
      if (upload)
        return "The account has too many jobs or requests in flight; no job was created. Lower the concurrency, or try again later.";
      return "Too many requests: the service allows at most one poll per job per second. Slow down or lower concurrency.";
    default:
      return status >= 500 ? "The service had a problem; try again later." : "See the server's message.";
  }
}

function readErrorBody(body: string, contentType: string | undefined, redact: Redact): { code?: string; message?: string } {
  let json: unknown;
  try {
    json = redactJson(JSON.parse(body), redact);
  } catch {
    const snippet = body.trim().slice(0, 200);
    return snippet && !contentType?.includes("text/html") ? { message: snippet } : {};
  }
  const parsed = errorBodySchema.safeParse(json);
  if (!parsed.success) return {};
  const { error, code, message, detail } = parsed.data;
  if (typeof error === "string") return { code, message: error };
  if (error) return { code: error.code, message: error.message };
  if (code || message) return { code, message };
  if (detail !== undefined) return { message: typeof detail === "string" ? detail : JSON.stringify(detail) };
  return {};
}
