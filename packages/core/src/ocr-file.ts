import { randomUUID } from "node:crypto";
import type { Endpoints } from "./api/endpoints.js";
import { finalPages } from "./api/job-pages.js";
import type { JobJournal } from "./cache/job-journal.js";
import { type CachedRun, cachedOcr } from "./cache/ocr-cache.js";
import type { ResultCache } from "./cache/result-store.js";
import { withDeadline } from "./http/deadline.js";
import { sha256OfInput } from "./input/hash.js";
import { isPreparedInput, type OcrInput, type PreparedInput, prepareInput } from "./input/prepare-input.js";
import type { ResolvedClientOptions, ResolvedOcrOptions } from "./options/resolve.js";
import type { JobPacer } from "./polling/pacer.js";
import { waitForJob } from "./polling/wait-for-job.js";
import type { Job, OcrResult } from "./types.js";

// What `ocr` does with one file: read it, ask the cache, upload (or resume a job), wait, fetch pages.

/** What the flow uses of the client. */
export interface OcrContext {
  endpoints: Endpoints;
  pacer: JobPacer;
  client: ResolvedClientOptions;
  cache: { results: ResultCache; journal: JobJournal } | undefined;
}

/** `ocr`: the whole call under its deadline, which, when it passes, names the job. */
export async function ocrFile(context: OcrContext, input: OcrInput | PreparedInput, options: ResolvedOcrOptions): Promise<OcrResult> {
  const prepared = isPreparedInput(input) ? input : await prepareInput(input, { filename: options.filename });
  const sha256 = await sha256OfInput(prepared, options.request.signal);
  const file = { filename: prepared.filename, source: prepared.source, fileType: prepared.fileType, size: prepared.size, sha256 };
  const job: { id?: string } = {};
  const run = (signal: AbortSignal, cached?: CachedRun) => runJob(context, prepared, file, options, signal, job, cached);
  return withDeadline(
    options.timeoutMs,
    () => job.id,
    options.request.signal,
    async (signal) => {
      if (!context.cache) return run(signal);
      const jobParts = { sha256, pageRanges: options.pageRanges, modelProfile: options.modelProfile, baseUrl: context.client.baseUrl };
      const { format, idempotencyKey } = options;
      const result = await cachedOcr({ ...context.cache, jobParts, format, idempotencyKey, signal, run: (cached) => run(signal, cached) });
      return { ...result, file }; // a cached result, named as this call named its input
    },
  );
}

/** Upload (or resume a job a previous run left), wait, fetch the pages. */
async function runJob(
  context: OcrContext,
  prepared: PreparedInput,
  file: OcrResult["file"],
  options: ResolvedOcrOptions,
  signal: AbortSignal,
  job: { id?: string },
  cached?: CachedRun,
): Promise<OcrResult> {
  const { endpoints, pacer } = context;
  const request = { ...options.request, signal };
  let initial: Job | undefined;
  if (cached?.resumeJobId) {
    job.id = cached.resumeJobId;
  } else {
    initial = await endpoints.extract(prepared, {
      request,
      pageRanges: options.pageRanges,
      modelProfile: options.modelProfile,
      idempotencyKey: cached?.idempotencyKey ?? options.idempotencyKey ?? randomUUID(),
      filename: options.filename,
      onUploadProgress: options.onUploadProgress,
    });
    job.id = initial.id;
    await cached?.onJobCreated(initial.id);
  }
  const jobId = job.id;
  // A previous process may have polled this job a moment ago: keep the interval after it.
  if (cached?.previousRequestAt !== undefined) pacer.markElsewhere(jobId, cached.previousRequestAt);
  const { job: done, result } = await waitForJob(
    jobId,
    { onProgress: options.onProgress, signal, initial, source: prepared.source },
    {
      getJob: (id, opts) => endpoints.getJob(id, { ...request, signal: opts.signal }, "turn-taken"),
      probeResult: (id, opts) => endpoints.probeResult(id, { ...request, signal: opts.signal }, opts.job, options.pageRanges, "turn-taken"),
      pacer,
      minIntervalMs: context.client.pollIntervalMs,
      schedule: context.client.pollSchedule,
    },
  );
  const pages = await finalPages(endpoints, pacer, jobId, result, {
    request,
    format: options.format,
    pageRanges: options.pageRanges,
    pageCount: done.pageCount,
  });
  pacer.forget(jobId);
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
