import { getGlobalDispatcher } from "undici";
import { Endpoints } from "./api/endpoints.js";
import { finalPages } from "./api/job-pages.js";
import { OcrCache } from "./cache/ocr-cache.js";
import { withDeadline } from "./http/deadline.js";
import type { TransportConfig } from "./http/transport.js";
import { isPreparedInput, type OcrInput, type PreparedInput, prepareInput } from "./input/prepare-input.js";
import { type OcrContext, ocrFile } from "./ocr-file.js";
import { type OcrManyInput, type OcrManyItem, type OcrManyOptions, ocrMany } from "./ocr-many.js";
import type { ClientOptions, ExtractOptions, GetPagesOptions, OcrOptions, RequestOptions, WaitOptions } from "./options/client-options.js";
import {
  type ResolvedClientOptions,
  requireApiKey,
  resolveClientOptions,
  resolveExtractOptions,
  resolveOcrOptions,
  resolvePageNumber,
  resolvePagesOptions,
  resolveRequest,
  resolveWaitOptions,
} from "./options/resolve.js";
import { sharedPaceMemory } from "./polling/pace-exchange.js";
import { PaceMemory } from "./polling/pace-memory.js";
import { JobPacer } from "./polling/pacer.js";
import { waitForJob } from "./polling/wait-for-job.js";
import type { Balance, Job, JobPages, JobResult, OcrResult, PagePreview, ResultFormat, ServiceInfo } from "./types.js";
import { VERSION } from "./version.js";

/**
 * The SotaOCR API client. Each method checks its options (options/resolve.ts), then hands the
 * work to api/ (endpoints), polling/, cache/ and ocr-file.ts.
 *
 * ```ts
 * const client = new SotaOcrClient();               // SOTAOCR_API_KEY, SOTAOCR_BASE_URL
 * const { pages } = await client.ocr("report.pdf"); // upload, wait, fetch, one item per page
 * ```
 */
export class SotaOcrClient {
  /** The base URL requests go to. */
  readonly baseUrl: string;
  readonly #options: ResolvedClientOptions;
  readonly #pacer: JobPacer;
  /** What the key's completed jobs showed of its pace (this client's, others' through `paceExchange`), for the next jobs' polls. */
  readonly #paceMemory: PaceMemory;
  readonly #endpoints: Endpoints;
  readonly #ocr: OcrContext;

  constructor(options: ClientOptions = {}) {
    this.#options = resolveClientOptions(options);
    this.baseUrl = this.#options.baseUrl;
    this.#pacer = new JobPacer(this.#options.pollIntervalMs);
    const { paceExchange } = this.#options;
    this.#paceMemory = paceExchange ? sharedPaceMemory(paceExchange) : new PaceMemory();
    this.#endpoints = new Endpoints({
      transport: () => this.#transportConfig(),
      pacer: this.#pacer,
      retryAmbiguousUploads: this.#options.retryAmbiguousUploads,
    });
    const { cacheDir } = this.#options;
    this.#ocr = {
      endpoints: this.#endpoints,
      pacer: this.#pacer,
      paceMemory: this.#paceMemory,
      client: this.#options,
      cache: cacheDir ? new OcrCache(cacheDir) : undefined,
    };
  }

  /** Least time between requests about one job, in ms. */
  get pollIntervalMs(): number {
    return this.#options.pollIntervalMs;
  }

  /**
   * Uploads a file (`POST /v1/extract`) and returns the created job. Checks the key, the file and
   * the page ranges first, so bad input costs nothing. Retried only when no job can exist yet.
   */
  async extract(input: OcrInput | PreparedInput, options: ExtractOptions = {}): Promise<Job> {
    requireApiKey(this.#options.apiKey);
    const resolved = resolveExtractOptions(options, this.#options);
    const prepared = isPreparedInput(input) ? input : await prepareInput(input, { filename: resolved.filename });
    return this.#endpoints.extract(prepared, resolved);
  }

  /** The job's current status (`GET /v1/jobs/{id}`). Requests about one job are kept 1 s apart. */
  async getJob(jobId: string, options: RequestOptions = {}): Promise<Job> {
    return this.#endpoints.getJob(jobId, resolveRequest(options, this.#options));
  }

  /**
   * Waits until the job completes and returns it; throws `JobFailedError` if it fails, and
   * `TimeoutError` (naming the job, which keeps running) after `timeoutMs`.
   */
  async waitForJob(jobId: string, options: WaitOptions = {}): Promise<Job> {
    const { timeoutMs, signal, onProgress } = resolveWaitOptions(options, this.#options);
    const request = resolveRequest({}, this.#options);
    const outcome = await withDeadline(timeoutMs, jobId, signal, (signal) =>
      waitForJob(
        jobId,
        { onProgress, signal },
        {
          getJob: (id, opts) => this.#endpoints.getJob(id, { ...request, signal: opts.signal }, "turn-taken"),
          pacer: this.#pacer,
          paceMemory: this.#paceMemory,
          minIntervalMs: this.#options.pollIntervalMs,
          schedule: this.#options.pollSchedule,
        },
      ),
    );
    return outcome.job;
  }

  /**
   * The result of a completed job (`GET /v1/jobs/{id}/result`). While the result is not ready
   * (202), it asks again at the poll interval, up to `maxRetries` times.
   */
  async getResult(jobId: string, options: RequestOptions & { format?: ResultFormat } = {}): Promise<JobResult> {
    return this.#endpoints.getResult(jobId, options.format ?? "json", resolveRequest(options, this.#options));
  }

  /**
   * The pages of a completed job, numbered as in the original document: for resuming a job without
   * uploading again (`await client.waitForJob(id); await client.getPages(id)`). Pass the job's
   * `pageRanges` so pages numbered 1..k by the server map back to the original numbers.
   */
  async getPages(jobId: string, options: GetPagesOptions = {}): Promise<JobPages> {
    const resolved = resolvePagesOptions(options, this.#options);
    return finalPages(this.#endpoints, this.#pacer, jobId, undefined, { ...resolved, pageCount: undefined });
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
    requireApiKey(this.#options.apiKey);
    return ocrFile(this.#ocr, input, resolveOcrOptions(options, this.#options));
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
    return this.#endpoints.getBalance(resolveRequest(options, this.#options));
  }

  /** Service information, with the valid `modelProfile` values (`GET /api/v1/info`). */
  async getInfo(options: RequestOptions = {}): Promise<ServiceInfo> {
    return this.#endpoints.getInfo(resolveRequest(options, this.#options));
  }

  /** A page's image, in the coordinate space of the result's bboxes (`GET /v1/jobs/{id}/pages/{n}/preview`). */
  async getPagePreview(jobId: string, pageNumber: number, options: RequestOptions = {}): Promise<PagePreview> {
    resolvePageNumber(pageNumber, jobId);
    return this.#endpoints.getPagePreview(jobId, pageNumber, resolveRequest(options, this.#options));
  }

  #transportConfig(): TransportConfig {
    return {
      baseUrl: this.baseUrl,
      apiKey: requireApiKey(this.#options.apiKey),
      dispatcher: this.#options.dispatcher ?? getGlobalDispatcher(),
      userAgent: `sotaocr-js/${VERSION} node/${process.versions.node}`,
    };
  }

  /** Shows the client without its key, e.g. in `console.log(client)`. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return `SotaOcrClient { baseUrl: ${JSON.stringify(this.baseUrl)}, apiKey: ${this.#options.apiKey ? "[set]" : "[missing]"} }`;
  }
}
