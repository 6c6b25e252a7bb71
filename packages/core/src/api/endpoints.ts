import { APIError, JobFailedError, RateLimitError, SotaOcrError } from "../errors.js";
import { type CallOptions, type RequestSpec, sendWithRetries } from "../http/request.js";
import { isRetriableRead, isRetriableUpload } from "../http/retry.js";
import { type AttemptResult, RESULT_BODY_LIMIT_BYTES, type TransportConfig } from "../http/transport.js";
import { uploadForm } from "../http/upload.js";
import type { PreparedInput } from "../input/prepare-input.js";
import type { PageRange } from "../options/page-ranges.js";
import type { ResolvedExtractOptions, ResolvedRequest } from "../options/resolve.js";
import type { JobPacer } from "../polling/pacer.js";
import type { ResultProbeMiss } from "../polling/wait-for-job.js";
import type { Balance, Job, JobResult, PagePreview, ResultFormat, ServiceInfo } from "../types.js";
import { isJobFailedAnswer, notReadyError, otherJobError, parseBody, toBalance, toJob, toJobResult, toServiceInfo } from "./from-wire.js";
import { comparePages, onlyMissing, pageMismatchError, pagePromise } from "./page-check.js";
import { pagesInJson } from "./pages.js";
import { balanceSchema, infoSchema, jobSchema, resultSchema } from "./schemas.js";

// The SotaOCR endpoints (docs/api-contract.md#endpoints): one method each, taking checked options.
// Paths and the names of request fields are written here and nowhere else.

const EXTRACT_PATH = "/v1/extract";
const BALANCE_PATH = "/v1/balance";
const INFO_PATH = "/api/v1/info";

/** `/v1/jobs/{id}`; refuses ids that are not one (they would reach another route). */
export function jobPath(jobId: string): string {
  // "." and ".." would be resolved away by URL normalisation and hit another route.
  if (typeof jobId !== "string" || jobId.trim() === "" || jobId === "." || jobId === "..") {
    throw new SotaOcrError(`jobId must be the id of a job (e.g. "job_123"), not ${JSON.stringify(jobId)}.`);
  }
  return `/v1/jobs/${encodeURIComponent(jobId)}`;
}

const resultPath = (jobId: string) => `${jobPath(jobId)}/result`;

/** Page ranges as `POST /v1/extract` takes them: a JSON string like `[{"start":1,"end":3}]`. */
export function pageRangesForWire(ranges: readonly PageRange[]): string {
  return JSON.stringify(ranges.map(({ start, end }) => ({ start, end })));
}

/** The text fields of `POST /v1/extract` besides `file`: `page_ranges` and `model_profile`, when given. */
export function extractFields(options: Pick<ResolvedExtractOptions, "pageRanges" | "modelProfile">): [string, string][] {
  const fields: [string, string][] = [];
  if (options.pageRanges) fields.push(["page_ranges", pageRangesForWire(options.pageRanges)]);
  if (options.modelProfile) fields.push(["model_profile", options.modelProfile]);
  return fields;
}

/**
 * How a request that counts as a poll waits for its job's turn: before every attempt ("paced"), or
 * only before retries, when the caller took the first turn itself (the poll loop, "turn-taken").
 */
export type Pacing = "paced" | "turn-taken";

export interface EndpointsConfig {
  /** Where and how requests go, the API key checked: asked for each request. */
  transport: () => TransportConfig;
  /** Keeps requests about one job `pollIntervalMs` apart. */
  pacer: JobPacer;
  retryAmbiguousUploads: boolean;
}

export class Endpoints {
  readonly #config: EndpointsConfig;

  constructor(config: EndpointsConfig) {
    this.#config = config;
  }

  /** `POST /v1/extract`: the created job. Retried only when no job can exist yet (`isRetriableUpload`). */
  async extract(input: PreparedInput, options: ResolvedExtractOptions): Promise<Job> {
    const { idempotencyKey, onUploadProgress } = options;
    const fields = extractFields(options);
    const allowAmbiguous = this.#config.retryAmbiguousUploads;
    const result = await this.#send(
      () => {
        const listeners: (() => void)[] = [];
        const { form, progress } = uploadForm(input, fields, (current) => {
          for (const listener of listeners) listener();
          onUploadProgress?.({ ...current });
        });
        return {
          method: "POST",
          path: EXTRACT_PATH,
          headers: { "idempotency-key": idempotencyKey },
          body: form,
          upload: { progress, idempotencyKey, subscribe: (listener) => listeners.push(listener) },
        };
      },
      this.#callOptions(options.request, (error) => isRetriableUpload(error, allowAmbiguous)),
    );
    return toJob(parseBody(result, jobSchema, `POST ${EXTRACT_PATH}`));
  }

  /** `GET /v1/jobs/{id}`, paced per job, retries included. */
  async getJob(jobId: string, request: ResolvedRequest, pacing: Pacing = "paced"): Promise<Job> {
    const path = jobPath(jobId);
    const result = await this.#send({ method: "GET", path, jobId }, this.#pacedOptions(jobId, request, pacing));
    const job = toJob(parseBody(result, jobSchema, `GET ${path}`, jobId));
    if (job.id !== jobId) throw otherJobError(`GET ${path}`, "status", job.id, jobId, result);
    return job;
  }

  /** `GET /v1/jobs/{id}/result?format=…`; asked again at the poll interval while it answers 202 (`#getWhenReady`). */
  async getResult(jobId: string, format: ResultFormat, request: ResolvedRequest): Promise<JobResult> {
    const result = await this.#getWhenReady({ method: "GET", path: resultPath(jobId), query: { format }, jobId }, request);
    return this.#toJobResult(result, jobId, format);
  }

  /**
   * The json result asked for as a poll (paced like one): the result if the job is complete, a
   * miss otherwise. A 200 whose pages are not all there yet (`comparePages`, against `job`, the job
   * as last seen) is a miss too, and so, before any status said the page count, is one with fewer
   * pages than `pagesSent` (the pages the client counted in its upload): a count that may be wrong
   * only delays the result to the status poll that follows. A server that answers a running job's
   * result with an error rather than 202 (an older revision of the API) makes the caller go back to
   * status polls; a failed job's 409 `job_failed` is the miss "failed".
   */
  async probeResult(
    jobId: string,
    request: ResolvedRequest,
    job: Job | undefined,
    pageRanges: PageRange[] | undefined,
    pacing: Pacing = "paced",
    pagesSent?: number,
  ): Promise<JobResult | ResultProbeMiss> {
    const spec = { method: "GET", path: resultPath(jobId), query: { format: "json" }, jobId } as const;
    const result = await this.#callForOutput(spec, this.#pacedOptions(jobId, request, pacing)).catch((error: unknown) => {
      // The job failed: its status (the caller's next look) tells how, with the job's own code.
      if (JobFailedError.isInstance(error)) return "failed" as const;
      // Another 4xx (400, 404, 409…) to a running job's result: the older revision's "only when completed".
      if (error instanceof APIError && error.status >= 400 && error.status < 500 && ![401, 403, 408, 429].includes(error.status)) {
        return "unsupported" as const;
      }
      throw error;
    });
    if (typeof result === "string") return result;
    if (result.status === 202) return "not_ready";
    const json = this.#toJobResult(result, jobId, "json");
    const pages = pagesInJson(json.raw, { jobId, format: "markdown", pageRanges });
    // One text for the whole job (no pages to compare): only the counts can tell a partial 200 from the final result.
    const wholeText = !pages || pages.some((page) => page.pageRange !== undefined);
    if (wholeText && (json.pageCount ?? 0) < (job?.pageCount ?? 0)) return "not_ready";
    if (!job?.pageCount && pagesSent && (pages ? pages.length : (json.pageCount ?? 0)) < pagesSent) return "not_ready";
    const promise = pagePromise(jobId, pageRanges, job?.pageCount, json.pageCount);
    const mismatch = pages && comparePages(pages, promise);
    if (mismatch && !onlyMissing(mismatch)) throw pageMismatchError(promise, mismatch);
    return mismatch ? "not_ready" : json;
  }

  /** `GET /v1/jobs/{id}/pages/{n}/preview`: the page image, asked again while it answers 202. */
  async getPagePreview(jobId: string, pageNumber: number, request: ResolvedRequest): Promise<PagePreview> {
    const path = `${jobPath(jobId)}/pages/${pageNumber}/preview`;
    const result = await this.#getWhenReady({ method: "GET", path, jobId, headers: { accept: "image/*" } }, request);
    return { contentType: result.headers["content-type"] ?? "application/octet-stream", bytes: new Uint8Array(result.body) };
  }

  /** `GET /v1/balance`. */
  async getBalance(request: ResolvedRequest): Promise<Balance> {
    const result = await this.#send({ method: "GET", path: BALANCE_PATH }, this.#callOptions(request, isRetriableRead));
    return toBalance(parseBody(result, balanceSchema, `GET ${BALANCE_PATH}`));
  }

  /** `GET /api/v1/info`. */
  async getInfo(request: ResolvedRequest): Promise<ServiceInfo> {
    const result = await this.#send({ method: "GET", path: INFO_PATH }, this.#callOptions(request, isRetriableRead));
    return toServiceInfo(parseBody(result, infoSchema, `GET ${INFO_PATH}`));
  }

  #toJobResult(result: AttemptResult, jobId: string, format: ResultFormat): JobResult {
    const what = `GET ${resultPath(jobId)}`;
    const body = parseBody(result, resultSchema, what, jobId);
    if (body.job_id !== undefined && body.job_id !== jobId) throw otherJobError(what, "result", body.job_id, jobId, result);
    return toJobResult(body, jobId, format);
  }

  /**
   * A GET of something that exists once a job got far enough (a result, a page preview). While the
   * server answers 202 (not ready), asks again at the poll interval — these count as polls — up to
   * `maxRetries` times. The first request goes at once (the job just completed); retries are paced.
   */
  async #getWhenReady(spec: RequestSpec & { jobId: string }, request: ResolvedRequest): Promise<AttemptResult> {
    const { jobId } = spec;
    const { pacer } = this.#config;
    const options: CallOptions = {
      ...this.#callOptions(request, isRetriableRead),
      beforeAttempt: async (signal, attemptNo) => {
        if (attemptNo > 0) await pacer.wait(jobId, signal);
      },
      afterAttempt: () => pacer.mark(jobId),
    };
    for (let notReady = 0; ; notReady++) {
      const result = await this.#callForOutput(spec, options);
      if (result.status !== 202) return result;
      if (notReady >= request.maxRetries) throw notReadyError(jobId, result);
      await pacer.wait(jobId, request.signal);
    }
  }

  /**
   * A request for what a job produced (result, preview), read up to the result size limit: a 409
   * `job_failed` is the job's failure, never retried.
   */
  async #callForOutput(spec: RequestSpec & { jobId: string }, options: CallOptions): Promise<AttemptResult> {
    const retryable = (error: unknown) => options.retryable(error) && !isJobFailedAnswer(error);
    return this.#send({ ...spec, maxBodyBytes: RESULT_BODY_LIMIT_BYTES }, { ...options, retryable }).catch((error: unknown) => {
      if (isJobFailedAnswer(error)) throw new JobFailedError(spec.jobId, "failed", error.code, error.serverMessage);
      throw error;
    });
  }

  #send(spec: RequestSpec | (() => RequestSpec), options: CallOptions): Promise<AttemptResult> {
    return sendWithRetries(this.#config.transport(), spec, options);
  }

  #callOptions(request: ResolvedRequest, retryable: (error: unknown) => boolean): CallOptions {
    return { signal: request.signal, timeoutMs: request.timeoutMs, maxRetries: request.maxRetries, retryable };
  }

  /** Call options for a request that counts as a poll of the job: paced per job, retries included. */
  #pacedOptions(jobId: string, request: ResolvedRequest, pacing: Pacing): CallOptions {
    const { pacer } = this.#config;
    return {
      ...this.#callOptions(request, isRetriableRead),
      beforeAttempt: async (signal, attemptNo) => {
        if (attemptNo > 0 || pacing === "paced") await pacer.wait(jobId, signal);
      },
      afterAttempt: (error) => pacer.mark(jobId, error instanceof RateLimitError),
    };
  }
}
