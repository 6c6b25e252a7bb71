import { ApiError, isoSeconds } from "./http.js";
import { isJobId, type Job } from "./jobs.js";
import { expandPageRanges } from "./page-ranges.js";
import type { Reply, RequestContext, ServerState } from "./request-context.js";
import { documentPageNumber, RESULT_FORMATS, type ResultFormat, renderResult } from "./results.js";

/** `GET /v1/jobs/{id}`: the job's status; a poll, so at most one per `pollIntervalMs`. */
export function getJob(state: ServerState, context: RequestContext): Reply {
  const job = findJob(state, context);
  acceptPoll(state, job, context.arrival);
  return { status: 200, json: jobBody(job) };
}

/**
 * `GET /v1/jobs/{id}/result?format=json|markdown|text`: the result of a completed job; 202
 * `result_not_ready` before (a poll too), 409 `job_failed` for a failed job.
 */
export function getResult(state: ServerState, context: RequestContext): Reply {
  const formatParam = context.query.get("format") ?? "json";
  if (!RESULT_FORMATS.includes(formatParam as ResultFormat)) {
    throw new ApiError(400, "invalid_format", `format must be json, markdown or text, not ${JSON.stringify(formatParam)}.`);
  }
  const format = formatParam as ResultFormat;
  const job = findJob(state, context);
  if (job.status === "failed") throw jobFailed(job);
  if (job.status !== "completed") {
    context.entry.poll = true;
    acceptPoll(state, job, context.arrival);
    throw new ApiError(
      202,
      "result_not_ready",
      `Job ${job.id} is ${job.status} (${job.pagesCompleted}/${job.pageNumbers?.length ?? "?"} pages): poll GET /v1/jobs/${job.id} until it is completed.`,
    );
  }
  return { status: 200, json: renderResult(job, format, state.config.resultShape, state.config.pageNumbering) };
}

/** `GET /v1/jobs/{id}/pages/{n}/preview`: the PNG of a page read so far (202 before, 404 outside the job). */
export async function getPreview(state: ServerState, context: RequestContext): Promise<Reply> {
  const job = findJob(state, context);
  const text = context.page ?? "";
  const number = /^[1-9]\d{0,8}$/.test(text) ? Number(text) : undefined;
  const pageNotFound = () => new ApiError(404, "page_not_found", `Job ${job.id} has no page ${JSON.stringify(text)}.`);
  if (number === undefined) throw pageNotFound();
  const pageNumber = documentPageNumber(job, number, state.config.pageNumbering);
  const inJob = job.pageNumbers ?? (job.pageRanges ? expandPageRanges(job.pageRanges) : undefined);
  if (pageNumber === undefined || (inJob !== undefined && !inJob.includes(pageNumber))) throw pageNotFound();
  if (!job.pages.has(pageNumber)) {
    if (job.status === "failed") throw jobFailed(job);
    if (job.status === "completed") throw pageNotFound();
    throw new ApiError(202, "result_not_ready", `Page ${number} of job ${job.id} has not been read yet.`);
  }
  const document = await state.engine.open(job.filePath, job.fileType, state.closing);
  try {
    return { status: 200, bytes: await document.previewPage(pageNumber), contentType: "image/png" };
  } finally {
    await document.close().catch(() => undefined);
  }
}

/** The job named in the path, if it belongs to the caller's key; otherwise 404 (ids that cannot be ours are never looked up). */
function findJob(state: ServerState, context: RequestContext): Job {
  const id = context.jobId ?? "";
  const job = state.jobs.get(id, context.account.index);
  if (!job) {
    throw new ApiError(
      404,
      "job_not_found",
      isJobId(id)
        ? `Job ${id} does not exist for this API key (it may have expired or belong to another key).`
        : "No such job: job ids look like job_ followed by 24 hex digits.",
    );
  }
  return job;
}

/** Applies the once-per-interval poll rule; rejected polls do not move the window. */
function acceptPoll(state: ServerState, job: Job, arrival: number): void {
  const interval = state.config.pollIntervalMs;
  if (job.lastPollAt !== undefined && arrival - job.lastPollAt < interval) {
    throw new ApiError(
      429,
      "rate_limited",
      `Poll job ${job.id} at most once every ${interval} ms (the API's limit is once per second).`,
      {},
      job.lastPollAt + interval - arrival,
    );
  }
  job.lastPollAt = arrival;
}

function jobBody(job: Job) {
  return {
    id: job.id,
    status: job.status,
    page_count: job.pageNumbers?.length ?? 0,
    pages_completed: job.pagesCompleted,
    created_at: isoSeconds(job.createdAt),
    ...(job.error ? { error: { ...job.error } } : {}),
  };
}

function jobFailed(job: Job): ApiError {
  const reason = job.error ? `${job.error.code}: ${job.error.message}` : "unknown reason";
  return new ApiError(409, "job_failed", `Job ${job.id} failed (${reason}); it has no result.`);
}
