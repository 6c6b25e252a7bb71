import type { z } from "zod";
import { APIError, InvalidResponseError } from "../errors.js";
import { type AttemptResult, parseJson } from "../http/transport.js";
import type { Balance, Job, JobResult, ResultFormat, ServiceInfo } from "../types.js";
import type { balanceSchema, infoSchema, JobWire, ResultWire } from "./schemas.js";

// What the server sent (snake_case, checked by ./schemas.ts) → the client's types (camelCase).
// Variants the service may send are listed in docs/api-contract.md#endpoints.

/** A JSON body checked against its wire schema; an `InvalidResponseError` saying what did not fit otherwise. */
export function parseBody<T extends z.ZodType>(result: AttemptResult, schema: T, what: string, jobId?: string): z.infer<T> {
  const parsed = schema.safeParse(parseJson(result, what, jobId));
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || "body"}: ${issue.message}`).join("; ");
  throw new InvalidResponseError(`${what} answered with an unexpected body (${problems}). Check baseUrl / SOTAOCR_BASE_URL.`, {
    status: result.status,
    headers: result.headers,
    jobId,
  });
}

export function toJob(wire: JobWire): Job {
  const id = (wire.id ?? wire.job_id) as string;
  const status = wire.status;
  const error =
    typeof wire.error === "string"
      ? { message: wire.error }
      : wire.error
        ? { code: wire.error.code, message: wire.error.message }
        : undefined;
  return {
    id,
    status,
    phase: phaseOf(status),
    pageCount: wire.page_count ?? undefined,
    pagesCompleted: wire.pages_completed ?? undefined,
    createdAt: wire.created_at ?? undefined,
    error,
    raw: wire,
  };
}

const COMPLETED = new Set(["completed", "complete", "succeeded", "success", "done", "finished"]);
const FAILED = new Set(["failed", "failure", "error", "errored", "cancelled", "canceled", "expired"]);

/**
 * Where a job stands by the status word the server sent (`JobProgress.status`, `Job.status`).
 * Unknown statuses count as in progress; the caller's deadline bounds them.
 */
export function phaseOf(status: string): Job["phase"] {
  const word = status.toLowerCase();
  if (COMPLETED.has(word)) return "completed";
  if (FAILED.has(word)) return "failed";
  return "in_progress";
}

/** A result body as `getResult` returns it: for json, the pages if `content` is missing. */
export function toJobResult(body: ResultWire, jobId: string, format: ResultFormat): JobResult {
  const content = body.content ?? (format === "json" ? body.pages : undefined);
  return { jobId, format, pageCount: body.page_count ?? undefined, content, raw: body };
}

export function toBalance(body: z.infer<typeof balanceSchema>): Balance {
  const allowance = (value: { total?: number; allocated?: number; remaining?: number } | undefined) =>
    value && { total: value.total, allocated: value.allocated, remaining: value.remaining };
  return {
    remainingPages: body.remaining_pages,
    totalAffordablePages: body.total_affordable_pages,
    entityCode: body.entity_code,
    monthlyPages: allowance(body.monthly_pages),
    lifetimePages: allowance(body.lifetime_pages),
    tokens: body.tokens && { ...allowance(body.tokens), affordablePages: body.tokens.affordable_pages },
    tokenPrice: body.token_price,
    raw: body,
  } as Balance;
}

export function toServiceInfo(body: z.infer<typeof infoSchema>): ServiceInfo {
  const modelProfiles = body.model_profiles.flatMap((profile) => {
    const name = typeof profile === "string" ? profile : (profile.name ?? profile.id);
    return name ? [{ name, raw: profile }] : [];
  });
  return { modelProfiles, raw: body };
}

/** A 409 whose code says the job failed (answered to result and preview requests). */
export function isJobFailedAnswer(error: unknown): error is APIError {
  return error instanceof APIError && error.status === 409 && error.code === "job_failed";
}

/** A status or result that is about another job than the one asked for (a mixed-up proxy or cache, a wrong route). */
export function otherJobError(
  what: string,
  kind: "status" | "result",
  otherId: string,
  jobId: string,
  result: AttemptResult,
): InvalidResponseError {
  return new InvalidResponseError(
    `${what} answered with the ${kind} of job ${otherId}, not of job ${jobId}: it is not used. ` +
      "Check baseUrl / SOTAOCR_BASE_URL (a proxy or cache in between may mix answers up).",
    { status: result.status, headers: result.headers, jobId },
  );
}

/** What was asked of a job is still not ready (202) after the retries. */
export function notReadyError(jobId: string, result: AttemptResult): APIError {
  return new APIError(
    `What was asked of job ${jobId} is not ready yet (202 result_not_ready). Wait for the job with waitForJob("${jobId}") first.`,
    { status: result.status, code: "result_not_ready", headers: result.headers, jobId },
  );
}
