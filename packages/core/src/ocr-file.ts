import { randomUUID } from "node:crypto";
import type { Endpoints } from "./api/endpoints.js";
import { finalPages } from "./api/job-pages.js";
import type { CacheTicket, OcrCache } from "./cache/ocr-cache.js";
import { withDeadline } from "./http/deadline.js";
import { sha256OfInput } from "./input/hash.js";
import { pagesToRead } from "./input/pdf-pages.js";
import { isPreparedInput, type OcrInput, type PreparedInput, prepareInput } from "./input/prepare-input.js";
import type { ResolvedClientOptions, ResolvedOcrOptions } from "./options/resolve.js";
import type { PaceMemory } from "./polling/pace-memory.js";
import type { JobPacer } from "./polling/pacer.js";
import { waitForJob } from "./polling/wait-for-job.js";
import type { Job, OcrResult } from "./types.js";

// What `ocr` does with one file: read it, ask the cache, upload (or resume a job), wait, fetch pages.

/** What the flow uses of the client. */
export interface OcrContext {
  endpoints: Endpoints;
  pacer: JobPacer;
  /** The key's page pace as this client's jobs showed it. */
  paceMemory: PaceMemory;
  client: ResolvedClientOptions;
  /** The cache folder's results and journal, when the cache is on. */
  cache: OcrCache | undefined;
}

/** `ocr`: the whole call under its deadline, which, when it passes, names the job. */
export async function ocrFile(context: OcrContext, input: OcrInput | PreparedInput, options: ResolvedOcrOptions): Promise<OcrResult> {
  const prepared = isPreparedInput(input) ? input : await prepareInput(input, { filename: options.filename });
  const sha256 = await sha256OfInput(prepared, options.request.signal);
  const file = { filename: prepared.filename, source: prepared.source, fileType: prepared.fileType, size: prepared.size, sha256 };
  const job: { id?: string } = {};
  const run = (signal: AbortSignal, ticket?: CacheTicket) => runJob(context, prepared, file, options, signal, job, ticket);
  return withDeadline(
    options.timeoutMs,
    () => job.id,
    options.request.signal,
    async (signal) => {
      if (!context.cache) return run(signal);
      const { pageRanges, modelProfile, format, idempotencyKey } = options;
      const key = { sha256, pageRanges, modelProfile, baseUrl: context.client.baseUrl, format };
      const result = await context.cache.run(key, { idempotencyKey, signal }, (ticket) => run(signal, ticket));
      return { ...result, file }; // a cached result, named as this call named its input
    },
  );
}

/** Upload (or resume the job a previous run left, as the cache's ticket says), wait, fetch the pages. */
async function runJob(
  context: OcrContext,
  prepared: PreparedInput,
  file: OcrResult["file"],
  options: ResolvedOcrOptions,
  signal: AbortSignal,
  job: { id?: string },
  ticket?: CacheTicket,
): Promise<OcrResult> {
  const { endpoints, pacer } = context;
  const request = { ...options.request, signal };
  let initial: Job | undefined;
  if (ticket?.resumeJobId) {
    job.id = ticket.resumeJobId;
  } else {
    initial = await endpoints.extract(prepared, {
      request,
      pageRanges: options.pageRanges,
      modelProfile: options.modelProfile,
      idempotencyKey: ticket?.idempotencyKey ?? options.idempotencyKey ?? randomUUID(),
      filename: options.filename,
      onUploadProgress: options.onUploadProgress,
    });
    job.id = initial.id;
    pacer.uploaded(initial.id);
    await ticket?.jobCreated(initial.id);
  }
  const jobId = job.id;
  // A previous process may have polled this job a moment ago: keep the interval after it.
  if (ticket?.previousRequestAt !== undefined) pacer.markElsewhere(jobId, ticket.previousRequestAt);
  const { job: done, result } = await waitForJob(
    jobId,
    {
      onProgress: options.onProgress,
      signal,
      initial,
      source: prepared.source,
      // Counted while hashing: lets the first look aim at this job's end (the upload says 0 pages).
      pageHint: pagesToRead(prepared, options.pageRanges),
    },
    {
      getJob: (id, opts) => endpoints.getJob(id, { ...request, signal: opts.signal }, "turn-taken"),
      probeResult: (id, opts) =>
        endpoints.probeResult(id, { ...request, signal: opts.signal }, opts.job, options.pageRanges, "turn-taken", opts.pagesSent),
      pacer,
      paceMemory: context.paceMemory,
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
