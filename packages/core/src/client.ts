import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { type Dispatcher, getGlobalDispatcher } from "undici";
import type { z } from "zod";
import { comparePages, onlyMissing, type PagePromise, pageMismatchError, pagePromise } from "./api/page-check.js";
import { findPageObjects, pagesFromObjects, pagesFromText, pagesInJson } from "./api/pages.js";
import { balanceSchema, infoSchema, jobSchema, resultSchema } from "./api/schemas.js";
import { defaultCacheDir } from "./cache/cache-dir.js";
import { JobJournal } from "./cache/job-journal.js";
import { type CachedRun, cachedOcr } from "./cache/ocr-cache.js";
import { ResultCache } from "./cache/result-store.js";
import {
  AbortError,
  APIConnectionError,
  APIError,
  InvalidResponseError,
  isSotaOcrError,
  JobFailedError,
  MissingApiKeyError,
  RateLimitError,
  SotaOcrError,
  TimeoutError,
  toAbortError,
} from "./errors.js";
import { MIN_API_KEY_LENGTH } from "./http/redact.js";
import {
  backoffMs,
  DEFAULT_MAX_RETRIES,
  isRetriableRead,
  MAX_WAIT_FOR_SERVER_MS,
  parseRetryAfter,
  retryAfterMisfit,
  retryDelayMs,
} from "./http/retry.js";
import { type Attempt, type AttemptResult, parseJson, RESULT_BODY_LIMIT_BYTES, send, type TransportConfig } from "./http/transport.js";
import { extractForm, type UploadProgress } from "./http/upload.js";
import { sha256OfInput } from "./input/hash.js";
import { isPreparedInput, type OcrInput, type PreparedInput, prepareInput } from "./input/prepare-input.js";
import { type OcrManyInput, type OcrManyItem, type OcrManyOptions, ocrMany } from "./ocr-many.js";
import { normalizePageRanges, type PageRange, type PageRangesInput } from "./options/page-ranges.js";
import { JobPacer } from "./polling/pacer.js";
import { type ResultProbeMiss, type WaitOptions, waitForJob } from "./polling/wait-for-job.js";
import type { Balance, Job, JobPages, JobResult, OcrFormat, OcrResult, PagePreview, ResultFormat, ServiceInfo } from "./types.js";
import { deadlineOf, deadlineSignal, linkedController, sleep } from "./utils/timers.js";
import { VERSION } from "./version.js";

export const DEFAULT_BASE_URL = "https://api.sotaocr.com";
export const DEFAULT_TIMEOUT_MS = 60_000;
export const DEFAULT_JOB_TIMEOUT_MS = 30 * 60_000;
/** The API allows at most one status poll per job per second. */
export const MIN_POLL_INTERVAL_MS = 1_000;

export interface ClientOptions {
  /**
   * The API key, sent as `Authorization: Bearer …`. Never logged or put in errors: it is removed
   * from everything the server answers. Keys shorter than 6 characters are refused.
   * @default process.env.SOTAOCR_API_KEY
   */
  apiKey?: string | undefined;
  /**
   * The service's base URL; point it at the local emulator for offline work.
   * @default process.env.SOTAOCR_BASE_URL, else "https://api.sotaocr.com"
   */
  baseUrl?: string | undefined;
  /**
   * How long one HTTP request may take, in ms, before it is abandoned (and retried when safe).
   * For uploads it counts from the last byte sent, so big files are not cut off while they move.
   * Infinity (or 2^31 ms and more, too long for a Node timer) means no limit.
   * @default 60000
   */
  timeoutMs?: number | undefined;
  /**
   * How long `waitForJob` and `ocr` wait for a job in all, in ms, before a `TimeoutError` that names
   * the job (it keeps running on the server: resume with `waitForJob(jobId)`). Infinity (or 2^31
   * ms and more) means no limit.
   * @default 1800000 (30 minutes)
   */
  jobTimeoutMs?: number | undefined;
  /**
   * Retries after a failed request: GETs on 408/409/429/5xx and lost connections, uploads only
   * when no job can have been created. Backoff 0.5 s → 8 s with jitter; `Retry-After` is honoured.
   * @default 2
   */
  maxRetries?: number | undefined;
  /**
   * Least time between two status polls of the same job, in ms, retries included (and retries of
   * its result and preview requests, which count as polls while they answer "not ready"). The
   * first result request after a poll saw the job complete goes at once. Values below 1000 are
   * raised to 1000: the API answers 429 to faster polling.
   * @default 1000
   */
  pollIntervalMs?: number | undefined;
  /**
   * Also retry uploads whose outcome is unknown (connection lost after the whole file was sent, or
   * a 5xx answer). Safe only when the server honours the `Idempotency-Key` header, as the emulator
   * does; otherwise such a failure raises an error saying a job may exist.
   * @default false
   */
  retryAmbiguousUploads?: boolean | undefined;
  /**
   * Keep finished results and a journal of jobs in flight on disk: `true` for the user's cache
   * folder (e.g. ~/.cache/sotaocr), or a folder path. A cached result costs no request; a job a
   * crashed or failed run left is resumed instead of uploaded again (an upload whose outcome it
   * never learnt is sent again with the same idempotency key); processes sharing the folder upload
   * each file once. Keyed by the file's bytes, page ranges, model profile, format and `baseUrl`.
   * @default false
   */
  cache?: boolean | string | undefined;
  /**
   * The undici `Dispatcher` (an `Agent`, `ProxyAgent`, `MockAgent`…) that sends every request.
   * @default undici's global dispatcher (shared with `fetch`, so `setGlobalDispatcher` applies)
   */
  dispatcher?: Dispatcher | undefined;
}

/** Per-call overrides; every method takes them. */
export interface RequestOptions {
  /** Aborts the call, sleeps included, with an `AbortError`. */
  signal?: AbortSignal | undefined;
  /** Overrides the client's `timeoutMs` for each request of this call. */
  timeoutMs?: number | undefined;
  /** Overrides the client's `maxRetries`. */
  maxRetries?: number | undefined;
}

export interface ExtractOptions extends RequestOptions {
  /** Pages to process (1-based, inclusive): `[{ start: 1, end: 3 }]` or `"1-3,5"`. Default: all. */
  pageRanges?: PageRangesInput | undefined;
  /** A model profile from `getInfo().modelProfiles`. Default: the service's. */
  modelProfile?: string | undefined;
  /** Sent as `Idempotency-Key` on every attempt of this upload. Default: a random UUID. */
  idempotencyKey?: string | undefined;
  /** The file name sent with bytes or a Blob (a path sends its own base name). */
  filename?: string | undefined;
  /** Called as the file's bytes are sent. */
  onUploadProgress?: ((progress: UploadProgress) => void) | undefined;
}

export interface OcrOptions extends Omit<ExtractOptions, "timeoutMs">, Omit<WaitOptions, "timeoutMs"> {
  /** Page text format of `pages[].content`. @default "markdown" */
  format?: OcrFormat | undefined;
  /** Milliseconds for the whole call (upload, wait, result). @default the client's jobTimeoutMs */
  timeoutMs?: number | undefined;
  /** Overrides the client's per-request `timeoutMs`. */
  requestTimeoutMs?: number | undefined;
}

export interface GetPagesOptions extends RequestOptions {
  /** Page text format of `pages[].content`. @default "markdown" */
  format?: OcrFormat | undefined;
  /** The page ranges the job was created with, if any. */
  pageRanges?: PageRangesInput | undefined;
}

/** Options every request needs, resolved from the call and the client. */
interface CallOptions {
  signal: AbortSignal | undefined;
  timeoutMs: number;
  maxRetries: number;
  retryable: (error: unknown) => boolean;
  /** Runs before each attempt (pacing); after it, `afterAttempt`. */
  beforeAttempt?: ((signal: AbortSignal | undefined, retry: number) => Promise<void>) | undefined;
  afterAttempt?: (() => void) | undefined;
}

const jobPath = (jobId: string) => {
  // "." and ".." would be resolved away by URL normalisation and hit another route.
  if (typeof jobId !== "string" || jobId.trim() === "" || jobId === "." || jobId === "..") {
    throw new SotaOcrError(`jobId must be the id of a job (e.g. "job_123"), not ${JSON.stringify(jobId)}.`);
  }
  return `/v1/jobs/${encodeURIComponent(jobId)}`;
};

/**
 * The SotaOCR API client.
 *
 * ```ts
 * const client = new SotaOcrClient();               // SOTAOCR_API_KEY, SOTAOCR_BASE_URL
 * const { pages } = await client.ocr("report.pdf"); // upload, wait, fetch, one item per page
 * ```
 */
export class SotaOcrClient {
  /** The base URL requests go to. */
  readonly baseUrl: string;
  readonly #apiKey: string | undefined;
  readonly #timeoutMs: number;
  readonly #jobTimeoutMs: number;
  readonly #maxRetries: number;
  readonly #pollIntervalMs: number;
  readonly #retryAmbiguousUploads: boolean;
  readonly #dispatcher: Dispatcher | undefined;
  readonly #pacer: JobPacer;
  readonly #cache: { results: ResultCache; journal: JobJournal } | undefined;

  constructor(options: ClientOptions = {}) {
    this.#apiKey = options.apiKey ?? process.env.SOTAOCR_API_KEY ?? undefined;
    this.baseUrl = options.baseUrl ?? (process.env.SOTAOCR_BASE_URL || DEFAULT_BASE_URL);
    this.#timeoutMs = positive(options.timeoutMs, "timeoutMs") ?? DEFAULT_TIMEOUT_MS;
    this.#jobTimeoutMs = positive(options.jobTimeoutMs, "jobTimeoutMs") ?? DEFAULT_JOB_TIMEOUT_MS;
    this.#maxRetries = nonNegativeInt(options.maxRetries, "maxRetries") ?? DEFAULT_MAX_RETRIES;
    this.#pollIntervalMs = Math.max(MIN_POLL_INTERVAL_MS, positive(options.pollIntervalMs, "pollIntervalMs", true) ?? MIN_POLL_INTERVAL_MS);
    this.#retryAmbiguousUploads = options.retryAmbiguousUploads ?? false;
    this.#dispatcher = options.dispatcher;
    this.#pacer = new JobPacer(this.#pollIntervalMs);
    const cacheDir = options.cache === true ? defaultCacheDir() : options.cache || undefined;
    this.#cache = cacheDir ? { results: new ResultCache(cacheDir), journal: new JobJournal(cacheDir) } : undefined;
    if (!URL.canParse(this.baseUrl) || !["http:", "https:"].includes(new URL(this.baseUrl).protocol)) {
      throw new SotaOcrError(
        `baseUrl "${this.baseUrl}" is not an http(s) URL: use e.g. "https://api.sotaocr.com" or "http://127.0.0.1:8787".`,
      );
    }
  }

  /** Least time between requests about one job, in ms. */
  get pollIntervalMs(): number {
    return this.#pollIntervalMs;
  }

  /**
   * Uploads a file (`POST /v1/extract`) and returns the created job. Checks the key, the file and
   * the page ranges first, so bad input costs nothing. Retried only when no job can exist yet.
   */
  async extract(input: OcrInput | PreparedInput, options: ExtractOptions = {}): Promise<Job> {
    this.#requireKey();
    const pageRanges = options.pageRanges === undefined ? undefined : normalizePageRanges(options.pageRanges);
    const prepared = isPreparedInput(input) ? input : await prepareInput(input, { filename: options.filename });
    const idempotencyKey = options.idempotencyKey ?? randomUUID();
    const allowAmbiguous = this.#retryAmbiguousUploads;
    const result = await this.#call(
      () => {
        const listeners: (() => void)[] = [];
        const { form, progress } = extractForm(prepared, { pageRanges, modelProfile: options.modelProfile }, (current) => {
          for (const listener of listeners) listener();
          options.onUploadProgress?.({ ...current });
        });
        return {
          method: "POST",
          path: "/v1/extract",
          headers: { "idempotency-key": idempotencyKey },
          body: form,
          upload: { progress, idempotencyKey, subscribe: (listener) => listeners.push(listener) },
        };
      },
      this.#callOptions(options, (error) => isRetriableUpload(error, allowAmbiguous)),
    );
    return toJob(this.#parse(result, jobSchema, "POST /v1/extract"));
  }

  /** The job's current status (`GET /v1/jobs/{id}`). Requests about one job are kept 1 s apart. */
  async getJob(jobId: string, options: RequestOptions = {}): Promise<Job> {
    const result = await this.#call({ method: "GET", path: jobPath(jobId), jobId }, this.#pacedOptions(jobId, options));
    const job = toJob(this.#parse(result, jobSchema, `GET ${jobPath(jobId)}`, jobId));
    if (job.id !== jobId) throw otherJobError(`GET ${jobPath(jobId)}`, "status", job.id, jobId, result);
    return job;
  }

  /**
   * Waits until the job completes and returns it; throws `JobFailedError` if it fails, and
   * `TimeoutError` (naming the job, which keeps running) after `timeoutMs`.
   */
  async waitForJob(jobId: string, options: WaitOptions = {}): Promise<Job> {
    const timeoutMs = positive(options.timeoutMs, "timeoutMs") ?? this.#jobTimeoutMs;
    const outcome = await this.#withDeadline(timeoutMs, jobId, options.signal, (signal) =>
      waitForJob(jobId, { ...options, signal }, { getJob: (id, opts) => this.getJob(id, opts), minIntervalMs: this.#pollIntervalMs }),
    );
    return outcome.job;
  }

  /**
   * The result of a completed job (`GET /v1/jobs/{id}/result`). While the result is not ready
   * (202), it asks again at the poll interval, up to `maxRetries` times.
   */
  async getResult(jobId: string, options: RequestOptions & { format?: ResultFormat } = {}): Promise<JobResult> {
    const format = options.format ?? "json";
    const path = `${jobPath(jobId)}/result`;
    const result = await this.#getWhenReady({ method: "GET", path, query: { format }, jobId }, options);
    return this.#toJobResult(result, jobId, format);
  }

  #toJobResult(result: AttemptResult, jobId: string, format: ResultFormat): JobResult {
    const body = this.#parse(result, resultSchema, `GET ${jobPath(jobId)}/result`, jobId);
    if (body.job_id !== undefined && body.job_id !== jobId)
      throw otherJobError(`GET ${jobPath(jobId)}/result`, "result", body.job_id, jobId, result);
    const content = body.content ?? (format === "json" ? body.pages : undefined);
    return { jobId, format, pageCount: body.page_count ?? undefined, content, raw: body };
  }

  /**
   * The json result asked for as a poll (paced like one): the result if the job is complete, a
   * miss otherwise. A 200 whose pages are not all there yet (`comparePages`, against the job as
   * last seen) is a miss too. A server that answers a running job's result with an error rather
   * than 202 (an older revision of the API) makes the caller go back to status polls.
   */
  async #probeResult(
    jobId: string,
    options: RequestOptions & { job?: Job | undefined },
    pageRanges: PageRange[] | undefined,
  ): Promise<JobResult | ResultProbeMiss> {
    const request = { method: "GET", path: `${jobPath(jobId)}/result`, query: { format: "json" }, jobId } as const;
    const result = await this.#callForOutput(request, this.#pacedOptions(jobId, options)).catch((error: unknown) => {
      // Another 4xx (400, 404, 409…) to a running job's result: the older revision's "only when completed".
      if (error instanceof APIError && error.status >= 400 && error.status < 500 && ![401, 403, 408, 429].includes(error.status)) {
        return undefined;
      }
      throw error;
    });
    if (result === undefined) return "unsupported";
    if (result.status === 202) return "not_ready";
    const json = this.#toJobResult(result, jobId, "json");
    const pages = pagesInJson(json.raw, { jobId, format: "markdown", pageRanges });
    const promise = pagePromise(jobId, pageRanges, options.job?.pageCount, json.pageCount);
    const mismatch = pages && comparePages(pages, promise);
    if (mismatch && !onlyMissing(mismatch)) throw pageMismatchError(promise, mismatch);
    return mismatch ? "not_ready" : json;
  }

  /**
   * Uploads, waits and fetches: one item per page, numbered as in the original document.
   *
   * ```ts
   * const { pages } = await client.ocr("report.pdf", { pageRanges: "2-3" });
   * pages.map((p) => [p.pageNumber, p.content]); // [[2, "..."], [3, "..."]]
   * ```
   */
  async ocr(input: OcrInput | PreparedInput, options: OcrOptions = {}): Promise<OcrResult> {
    this.#requireKey();
    const format = options.format ?? "markdown";
    if (format !== "markdown" && format !== "text") {
      throw new SotaOcrError(`format must be "markdown" or "text", not ${JSON.stringify(format)}.`);
    }
    const timeoutMs = positive(options.timeoutMs, "timeoutMs") ?? this.#jobTimeoutMs;
    positive(options.requestTimeoutMs, "requestTimeoutMs");
    const pageRanges = options.pageRanges === undefined ? undefined : normalizePageRanges(options.pageRanges);
    const prepared = isPreparedInput(input) ? input : await prepareInput(input, { filename: options.filename });
    const sha256 = await sha256OfInput(prepared, options.signal);
    const file = { filename: prepared.filename, source: prepared.source, fileType: prepared.fileType, size: prepared.size, sha256 };
    const job: { id?: string } = {};
    const run = (signal: AbortSignal, cached?: CachedRun) =>
      this.#runOcr(prepared, file, { ...options, format, pageRanges }, signal, job, cached);
    return this.#withDeadline(
      timeoutMs,
      () => job.id,
      options.signal,
      async (signal) => {
        if (!this.#cache) return run(signal);
        const jobParts = { sha256, pageRanges, modelProfile: options.modelProfile, baseUrl: this.baseUrl };
        const { idempotencyKey } = options;
        const result = await cachedOcr({ ...this.#cache, jobParts, format, idempotencyKey, signal, run: (cached) => run(signal, cached) });
        return { ...result, file }; // a cached result, named as this call named its input
      },
    );
  }

  /** Upload (or resume a job a previous run left), wait, fetch the pages. */
  async #runOcr(
    prepared: PreparedInput,
    file: OcrResult["file"],
    options: OcrOptions & { format: OcrFormat; pageRanges: PageRange[] | undefined },
    signal: AbortSignal,
    job: { id?: string },
    cached?: CachedRun,
  ): Promise<OcrResult> {
    const request = { signal, timeoutMs: options.requestTimeoutMs, maxRetries: options.maxRetries };
    let initial: Job | undefined;
    if (cached?.resumeJobId) {
      job.id = cached.resumeJobId;
    } else {
      initial = await this.extract(prepared, { ...options, ...request, idempotencyKey: cached?.idempotencyKey ?? options.idempotencyKey });
      job.id = initial.id;
      await cached?.onJobCreated(initial.id);
    }
    const jobId = job.id;
    // A previous process may have polled this job a moment ago: keep the interval after it.
    if (cached?.previousRequestAt !== undefined) this.#pacer.markElsewhere(jobId, cached.previousRequestAt);
    const { job: done, result } = await waitForJob(
      jobId,
      { onProgress: options.onProgress, signal, initial, source: prepared.source },
      {
        getJob: (id, opts) => this.getJob(id, { ...request, ...opts }),
        probeResult: (id, opts) => this.#probeResult(id, { ...request, ...opts }, options.pageRanges),
        minIntervalMs: this.#pollIntervalMs,
      },
    );
    const pages = await this.#finalPages(jobId, result, {
      ...request,
      format: options.format,
      pageRanges: options.pageRanges,
      pageCount: done.pageCount,
    });
    this.#pacer.forget(jobId);
    return {
      jobId,
      format: options.format,
      pageCount: pages.pageCount,
      pages: pages.pages,
      pageRanges: options.pageRanges,
      pageSource: pages.pageSource,
      file,
      raw: pages.raw,
    };
  }

  /**
   * OCRs many inputs, `concurrency` at a time, yielding each as soon as its job is done (so the
   * slowest file sets the pace, not the sum). Failures are yielded too, never thrown: stop early by
   * breaking out of the loop, which stops polling the jobs still running.
   *
   * ```ts
   * for await (const item of client.ocrMany(["a.pdf", "b.png"], { concurrency: 4 })) {
   *   if (item.error) console.error(item.source, item.error.message);
   *   else console.log(item.source, item.result.pages.length);
   * }
   * ```
   */
  ocrMany(inputs: readonly OcrManyInput[], options: OcrManyOptions = {}): AsyncGenerator<OcrManyItem> {
    return ocrMany((input, opts) => this.ocr(input, opts), inputs, options);
  }

  /** The account's page balance (`GET /v1/balance`). */
  async getBalance(options: RequestOptions = {}): Promise<Balance> {
    const result = await this.#call({ method: "GET", path: "/v1/balance" }, this.#callOptions(options, isRetriableRead));
    const body = this.#parse(result, balanceSchema, "GET /v1/balance");
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

  /** Service information, with the valid `modelProfile` values (`GET /api/v1/info`). */
  async getInfo(options: RequestOptions = {}): Promise<ServiceInfo> {
    const result = await this.#call({ method: "GET", path: "/api/v1/info" }, this.#callOptions(options, isRetriableRead));
    const body = this.#parse(result, infoSchema, "GET /api/v1/info");
    const modelProfiles = body.model_profiles.flatMap((profile) => {
      const name = typeof profile === "string" ? profile : (profile.name ?? profile.id);
      return name ? [{ name, raw: profile }] : [];
    });
    return { modelProfiles, raw: body };
  }

  /** A page's image, in the coordinate space of the result's bboxes (`GET /v1/jobs/{id}/pages/{n}/preview`). */
  async getPagePreview(jobId: string, pageNumber: number, options: RequestOptions = {}): Promise<PagePreview> {
    if (!Number.isSafeInteger(pageNumber) || pageNumber < 1) {
      throw new SotaOcrError(`pageNumber must be a whole number from 1, not ${JSON.stringify(pageNumber)}.`, { jobId });
    }
    const path = `${jobPath(jobId)}/pages/${pageNumber}/preview`;
    const result = await this.#getWhenReady({ method: "GET", path, jobId, headers: { accept: "image/*" } }, options);
    return { contentType: result.headers["content-type"] ?? "application/octet-stream", bytes: new Uint8Array(result.body) };
  }

  /**
   * A GET of something that exists once a job got far enough (a result, a page preview). While the
   * server answers 202 (not ready), asks again at the poll interval — these count as polls — up to
   * `maxRetries` times. A 409 `job_failed` is the job's failure, not a conflict to retry.
   */
  async #getWhenReady(request: Omit<Attempt, "timeoutMs" | "signal"> & { jobId: string }, options: RequestOptions): Promise<AttemptResult> {
    const { jobId } = request;
    const maxRetries = options.maxRetries ?? this.#maxRetries;
    // The first request goes at once (the job just completed); any retry is paced like a poll.
    const callOptions: CallOptions = {
      ...this.#callOptions(options, isRetriableRead),
      beforeAttempt: async (signal, retry) => {
        if (retry > 0) await this.#pacer.wait(jobId, signal);
      },
      afterAttempt: () => this.#pacer.mark(jobId),
    };
    for (let notReady = 0; ; notReady++) {
      const result = await this.#callForOutput(request, callOptions);
      if (result.status !== 202) return result;
      if (notReady >= maxRetries) throw notReadyError(jobId, result);
      await this.#pacer.wait(jobId, options.signal).catch((reason) => {
        throw toAbortError(reason, jobId);
      });
    }
  }

  /**
   * A request for what a job produced (result, preview), read up to the result size limit: a 409
   * `job_failed` is the job's failure, never retried.
   */
  async #callForOutput(request: Omit<Attempt, "timeoutMs" | "signal"> & { jobId: string }, options: CallOptions): Promise<AttemptResult> {
    const retryable = (error: unknown) => options.retryable(error) && !isJobFailedAnswer(error);
    return this.#call({ ...request, maxBodyBytes: RESULT_BODY_LIMIT_BYTES }, { ...options, retryable }).catch((error: unknown) => {
      if (isJobFailedAnswer(error)) throw new JobFailedError(request.jobId, "failed", error.code, error.serverMessage);
      throw error;
    });
  }

  /**
   * The pages of a completed job, numbered as in the original document: for resuming a job without
   * uploading again (`await client.waitForJob(id); await client.getPages(id)`). Pass the job's
   * `pageRanges` so pages numbered 1..k by the server map back to the original numbers.
   */
  async getPages(jobId: string, options: GetPagesOptions = {}): Promise<JobPages> {
    const pageRanges = options.pageRanges === undefined ? undefined : normalizePageRanges(options.pageRanges);
    const request = { signal: options.signal, timeoutMs: options.timeoutMs, maxRetries: options.maxRetries };
    return this.#finalPages(jobId, undefined, { ...request, format: options.format, pageRanges, pageCount: undefined });
  }

  /**
   * A job's pages, final only when they are exactly the job's (`comparePages`). Pages merely
   * missing may still come (a job not quite done): the result is asked for again at the poll
   * interval, up to `maxRetries` times. Then, or at once for pages twice or not in the job, an
   * `InvalidResponseError` names them: never some pages passed off as all.
   * `first` is a json result already in hand; `pageCount` the job's, from its status.
   */
  async #finalPages(
    jobId: string,
    first: JobResult | undefined,
    options: RequestOptions & { format?: OcrFormat | undefined; pageRanges: PageRange[] | undefined; pageCount: number | undefined },
  ): Promise<JobPages> {
    const request = { signal: options.signal, timeoutMs: options.timeoutMs, maxRetries: options.maxRetries };
    const maxRetries = nonNegativeInt(options.maxRetries, "maxRetries") ?? this.#maxRetries;
    for (let retry = 0; ; retry++) {
      const json = first ?? (await this.getResult(jobId, { ...request, format: "json" }));
      first = undefined;
      const { pages, promise } = await this.#pagesOf(json, options);
      const mismatch = comparePages(pages.pages, promise);
      if (!mismatch) return pages;
      if (!onlyMissing(mismatch) || retry >= maxRetries) throw pageMismatchError(promise, mismatch);
      await this.#pacer.wait(jobId, options.signal).catch((reason) => {
        throw toAbortError(reason, jobId);
      });
    }
  }

  /**
   * The pages in a job's json result; when it has no per-page structure, the text result split on
   * form feeds. With them, what the job promises: its own page count, else the result's.
   */
  async #pagesOf(
    json: JobResult,
    options: RequestOptions & { format?: OcrFormat | undefined; pageRanges: PageRange[] | undefined; pageCount: number | undefined },
  ): Promise<{ pages: JobPages; promise: PagePromise }> {
    const { jobId } = json;
    const format = options.format ?? "markdown";
    const context = { jobId, format, pageRanges: options.pageRanges };
    const request = { signal: options.signal, timeoutMs: options.timeoutMs, maxRetries: options.maxRetries };
    const { content: _content, pages: _pages, ...raw } = json.raw;
    const objects = findPageObjects(json.raw);
    if (objects) {
      const pages = pagesFromObjects(objects, context);
      const promise = pagePromise(jobId, options.pageRanges, options.pageCount, json.pageCount);
      return { pages: { jobId, format, pages, pageCount: promise.pageCount ?? pages.length, pageSource: "pages", raw }, promise };
    }
    // No per-page structure: split the text result on form feeds.
    const text = await this.getResult(jobId, { ...request, format });
    if (typeof text.content !== "string") {
      throw new InvalidResponseError(
        `The ${format} result of job ${jobId} has no text content. Fetch it with getResult("${jobId}") and report its shape.`,
        { status: 200, jobId },
      );
    }
    const promise = pagePromise(jobId, options.pageRanges, options.pageCount, text.pageCount, json.pageCount);
    const pages = pagesFromText(text.content, promise.pageCount, context);
    const pageSource = pages[0]?.pageRange ? "whole_document" : "form_feeds";
    return { pages: { jobId, format, pages, pageCount: promise.pageCount ?? pages.length, pageSource, raw }, promise };
  }

  /** Sends a request, retrying as `options` allow; waits between retries without busy loops. */
  async #call(
    attempt: Omit<Attempt, "timeoutMs" | "signal"> | (() => Omit<Attempt, "timeoutMs" | "signal">),
    options: CallOptions,
  ): Promise<AttemptResult> {
    const config = this.#transportConfig();
    let waitedForServerMs = 0;
    for (let retry = 0, attemptNo = 0, capacityWaits = 0; ; attemptNo++) {
      const request = typeof attempt === "function" ? attempt() : attempt;
      if (options.beforeAttempt) {
        await options.beforeAttempt(options.signal, attemptNo).catch((reason) => {
          throw toAbortError(reason, request.jobId);
        });
      }
      let error: unknown;
      try {
        return await send(config, { ...request, timeoutMs: options.timeoutMs, signal: options.signal });
      } catch (caught) {
        error = caught;
      } finally {
        options.afterAttempt?.(); // the request ended: pacing counts from here, not from after a backoff
      }
      // A 429 means "come back later", with nothing done: wait as asked, without using up a retry,
      // so a busy account slows a batch down instead of failing its files (maxRetries 0: fail fast).
      const asked = error instanceof APIError ? parseRetryAfter(error.headers) : undefined;
      const waitForCapacity = error instanceof RateLimitError && options.maxRetries > 0 && waitedForServerMs < MAX_WAIT_FOR_SERVER_MS;
      if (!waitForCapacity && (retry >= options.maxRetries || !options.retryable(error))) throw error;
      // Without a usable Retry-After (none, 0, a date past), capacity waits back off too.
      const delay = waitForCapacity ? asked || backoffMs(capacityWaits++) : retryDelayMs(error, retry++);
      // A wait the server asked for is waited out, however long, when the call has the time; else it fails now.
      const deadline = deadlineOf(options.signal);
      const room = {
        budgetLeftMs: MAX_WAIT_FOR_SERVER_MS - waitedForServerMs,
        deadline: deadline && { leftMs: deadline.at - performance.now(), ms: deadline.ms },
      };
      const serverAsked = error instanceof APIError && asked !== undefined && asked > 0 && delay === asked;
      const misfit = serverAsked ? retryAfterMisfit(delay, room) : undefined;
      if (misfit) throw retryAfterTooLong(error as APIError, delay, misfit);
      // Up to a fifth more, so files waiting on the same account do not all come back at once (within the room left).
      const roomMs = Math.min(room.budgetLeftMs, room.deadline?.leftMs ?? Number.POSITIVE_INFINITY);
      const wait = waitForCapacity ? Math.max(delay, Math.min(delay * (1 + Math.random() / 5), roomMs)) : delay;
      if (waitForCapacity || serverAsked) waitedForServerMs += wait;
      await this.#sleep(wait, request.jobId, options.signal);
    }
  }

  #callOptions(options: RequestOptions, retryable: (error: unknown) => boolean): CallOptions {
    return {
      signal: options.signal,
      timeoutMs: positive(options.timeoutMs, "timeoutMs") ?? this.#timeoutMs,
      maxRetries: nonNegativeInt(options.maxRetries, "maxRetries") ?? this.#maxRetries,
      retryable,
    };
  }

  /** Call options for a job status poll: paced per job, retries included. */
  #pacedOptions(jobId: string, options: RequestOptions): CallOptions {
    return {
      ...this.#callOptions(options, isRetriableRead),
      beforeAttempt: (signal) => this.#pacer.wait(jobId, signal),
      afterAttempt: () => this.#pacer.mark(jobId),
    };
  }

  /** Runs `work` under a deadline; when it passes, the error is a `TimeoutError` naming the job. */
  async #withDeadline<T>(
    timeoutMs: number,
    jobId: string | (() => string | undefined),
    signal: AbortSignal | undefined,
    work: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const expired = Symbol("deadline");
    const deadline = deadlineSignal(timeoutMs, expired);
    const { controller, dispose } = linkedController(signal, deadline.signal);
    try {
      return await work(controller.signal);
    } catch (error) {
      if (deadline.signal.aborted && !signal?.aborted) {
        const id = typeof jobId === "function" ? jobId() : jobId;
        throw new TimeoutError(
          id
            ? `Job ${id} did not finish within ${timeoutMs} ms (timeoutMs). It keeps running on the server: ` +
                `resume with client.waitForJob("${id}") and client.getResult("${id}") instead of uploading again.`
            : `The upload did not finish within ${timeoutMs} ms (timeoutMs).${jobMayExistHint(error)}`,
          { jobId: id, cause: error },
        );
      }
      if (error instanceof AbortError && !error.jobId) {
        const id = typeof jobId === "function" ? jobId() : jobId;
        if (id) throw toAbortError(error.cause, id);
      }
      throw error;
    } finally {
      deadline.dispose();
      dispose();
    }
  }

  async #sleep(ms: number, jobId: string | undefined, signal: AbortSignal | undefined): Promise<void> {
    await sleep(ms, signal).catch((reason) => {
      throw toAbortError(reason, jobId);
    });
  }

  #parse<T extends z.ZodType>(result: AttemptResult, schema: T, what: string, jobId?: string): z.infer<T> {
    const parsed = schema.safeParse(parseJson(result, what, jobId));
    if (parsed.success) return parsed.data;
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || "body"}: ${issue.message}`).join("; ");
    throw new InvalidResponseError(`${what} answered with an unexpected body (${problems}). Check baseUrl / SOTAOCR_BASE_URL.`, {
      status: result.status,
      headers: result.headers,
      jobId,
    });
  }

  #requireKey(): string {
    const key = this.#apiKey;
    if (!key || key.trim() === "") throw new MissingApiKeyError();
    // A key with spaces or line breaks (a copy-paste slip) would fail every request as a network error.
    if (!/^[\x21-\x7e]+$/.test(key)) throw new MissingApiKeyError("contains spaces, line breaks or other characters no API key has");
    // Every answer is cleaned of the key before it reaches an error; a key this short would match ordinary text.
    if (key.length < MIN_API_KEY_LENGTH) {
      throw new MissingApiKeyError(
        `is shorter than ${MIN_API_KEY_LENGTH} characters, which no API key is (it could not be kept out of error messages)`,
      );
    }
    return key;
  }

  #transportConfig(): TransportConfig {
    return {
      baseUrl: this.baseUrl,
      apiKey: this.#requireKey(),
      dispatcher: this.#dispatcher ?? getGlobalDispatcher(),
      userAgent: `sotaocr-js/${VERSION} node/${process.versions.node}`,
    };
  }

  /** Shows the client without its key, e.g. in `console.log(client)`. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return `SotaOcrClient { baseUrl: ${JSON.stringify(this.baseUrl)}, apiKey: ${this.#apiKey ? "[set]" : "[missing]"} }`;
  }
}

/** Uploads are retried on 429, 503 and failures before the whole file left; ambiguous ones only on opt-in. */
function isRetriableUpload(error: unknown, allowAmbiguous: boolean): boolean {
  if (error instanceof RateLimitError) return true;
  if (error instanceof APIError) return error.status === 503 || (allowAmbiguous && error.status >= 500);
  if (error instanceof TimeoutError) return true;
  if (error instanceof APIConnectionError) return !error.mayHaveCreatedJob || allowAmbiguous;
  return false;
}

function toJob(wire: z.infer<typeof jobSchema>): Job {
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

/** Unknown statuses count as in progress; the caller's deadline bounds them. */
export function phaseOf(status: string): Job["phase"] {
  const word = status.toLowerCase();
  if (COMPLETED.has(word)) return "completed";
  if (FAILED.has(word)) return "failed";
  return "in_progress";
}

/** A 409 whose code says the job failed (answered to result and preview requests). */
/** When an upload was cut off after its whole file left, the transport's error says so, with the key: keep that. */
function jobMayExistHint(error: unknown): string {
  if (!isSotaOcrError(error)) return "";
  const hint = /The whole file was sent, so the server may have created a job.*$/s.exec(error.message);
  return hint ? ` ${hint[0]}` : "";
}

function isJobFailedAnswer(error: unknown): error is APIError {
  return error instanceof APIError && error.status === 409 && error.code === "job_failed";
}

/** The server's error, now saying why the wait it asked for is not waited out (it was made by this request, seen by no one yet). */
function retryAfterTooLong(error: APIError, waitMs: number, misfit: string): APIError {
  const resume = error.jobId ? ` Job ${error.jobId} keeps running on the server: resume with waitForJob("${error.jobId}") later.` : "";
  error.message =
    `${error.message} The server asked to wait ${Math.ceil(waitMs / 1000)} s (Retry-After) before trying again, but ${misfit}: ` +
    `try again later, or give the call more time.${resume}`;
  return error;
}

/** A status or result that is about another job than the one asked for (a mixed-up proxy or cache, a wrong route). */
function otherJobError(
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

function notReadyError(jobId: string, result: AttemptResult): APIError {
  return new APIError(
    `What was asked of job ${jobId} is not ready yet (202 result_not_ready). Wait for the job with waitForJob("${jobId}") first.`,
    { status: result.status, code: "result_not_ready", headers: result.headers, jobId },
  );
}

/**
 * A duration option checked at the door. Infinity (and anything too long for a timer) means no
 * limit, for timeouts; `finite` options (intervals) must be real numbers.
 */
export function positive(value: number | undefined, name: string, finite = false): number | undefined {
  if (value === undefined) return undefined;
  if (!(typeof value === "number" && value > 0 && (!finite || Number.isFinite(value)))) {
    const kind = finite ? "a finite positive number of milliseconds" : "a positive number of milliseconds (Infinity: no limit)";
    throw new SotaOcrError(`${name} must be ${kind}, not ${typeof value === "number" ? value : JSON.stringify(value)}.`);
  }
  return value;
}

function nonNegativeInt(value: number | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!(Number.isInteger(value) && value >= 0)) throw new SotaOcrError(`${name} must be a whole number ≥ 0, not ${JSON.stringify(value)}.`);
  return value;
}
