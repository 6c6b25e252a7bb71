import { APIError, JobFailedError, NotFoundError, SotaOcrError } from "../errors.js";
import type { OcrResult } from "../types.js";
import { sleepOrAbort } from "../utils/timers.js";
import { HEARTBEAT_MS, type JobJournal, type JournalEntry } from "./job-journal.js";
import { cacheKey, type ResultCache } from "./result-store.js";

/** How `ocr` runs one file when a cache is on: with a known idempotency key, maybe resuming a job. */
export interface CachedRun {
  idempotencyKey: string;
  /** A job a previous run created for the same file: wait for it instead of uploading. */
  resumeJobId: string | undefined;
  /** The latest moment (epoch ms) a previous run may have sent a request about that job: polls keep their interval after it. */
  previousRequestAt: number | undefined;
  /** Called as soon as the upload answered, so the journal knows the job before anything else can fail. */
  onJobCreated: (jobId: string) => Promise<void>;
}

export interface CachedOcrContext {
  results: ResultCache;
  journal: JobJournal;
  /** What makes a job: the file's hash, page ranges, model profile, service. */
  jobParts: Record<string, unknown>;
  format: string;
  /** The caller's own key: it wins over the journal's. */
  idempotencyKey: string | undefined;
  signal: AbortSignal;
  run: (run: CachedRun) => Promise<OcrResult>;
}

/** How often a process waiting for another one's job looks for its result. */
const WAIT_FOR_OTHER_MS = 250;

/**
 * `ocr` with the result cache and the job journal: a cached result costs no request; a job that
 * a previous run left (it crashed, or failed before the result) is resumed instead of uploading
 * again, and an upload whose outcome it never learnt is sent again with the same idempotency key;
 * while another process works on the same file, this one waits for its result (or its failure). A
 * resumed job that expired is dropped and the file uploaded once more. The cache is a help, never a
 * risk to a paid result: once a job ran, failing to write to the folder does not throw its result away.
 */
export async function cachedOcr(context: CachedOcrContext): Promise<OcrResult> {
  const { results, journal, signal } = context;
  const jobKey = cacheKey(context.jobParts);
  const resultKey = cacheKey({ jobKey, format: context.format });
  let freshUploadsLeft = 1;
  for (;;) {
    const cached = await results.read(resultKey);
    if (cached) return cached;
    const claim = await journal.claim(jobKey, context.idempotencyKey).catch((cause: unknown) => {
      throw new SotaOcrError(
        `The cache folder cannot be used (${(cause as Error).message}). Pass another \`cache\` folder, or leave the cache off.`,
        { cause },
      );
    });
    if (!claim.owned) {
      const { failed } = claim;
      if (failed) throw new JobFailedError(failed.jobId ?? "(unknown)", failed.status, failed.code, failed.message);
      await sleepOrAbort(WAIT_FOR_OTHER_MS, signal, undefined);
      continue;
    }
    let entry: JournalEntry = claim.entry;
    const resuming = entry.jobId !== undefined;
    // Writes to the entry, one at a time, so a heartbeat never lands after a release.
    let writes: Promise<unknown> = Promise.resolve();
    const write = (next: () => Promise<unknown>) => {
      writes = writes.then(next).catch(() => {}); // best effort: the job matters more than its note
      return writes;
    };
    // (A holder that stalled and was taken over writes nothing more: update and release check.)
    const heartbeat = setInterval(() => write(() => journal.update(jobKey, entry)), HEARTBEAT_MS);
    heartbeat.unref();
    try {
      const result = await context.run({
        idempotencyKey: entry.idempotencyKey,
        resumeJobId: entry.jobId,
        previousRequestAt: claim.lastRequestAt,
        onJobCreated: async (jobId) => {
          entry = { ...entry, jobId };
          await write(() => journal.update(jobKey, entry));
        },
      });
      clearInterval(heartbeat);
      await results.write(resultKey, result).catch(() => {});
      await write(() => journal.release(jobKey, entry));
      return result;
    } catch (error) {
      clearInterval(heartbeat);
      if (entry.jobId !== undefined && error instanceof NotFoundError) {
        await write(() => journal.release(jobKey, entry)); // the job expired: nothing to resume
        if (resuming && freshUploadsLeft-- > 0) continue; // one a previous run left: upload anew, once
      } else if (error instanceof JobFailedError) {
        // Those waiting on this job get its failure rather than uploading the file again.
        const failed = { status: error.status, code: error.code, message: error.serverMessage };
        await write(() => journal.update(jobKey, { ...entry, jobId: entry.jobId ?? error.jobId, failed }));
      } else if (entry.jobId === undefined && isRefusal(error)) {
        await write(() => journal.release(jobKey, entry)); // the server refused the upload: no job to keep
      } else {
        // The job, or whether the upload created one, is unknown (an outage, a lost answer, a 5xx, a
        // deadline, an abort): let go, keeping the job id or the key, so the next run (in this process
        // or another) resumes the job or sends the upload again with the same key, never paying twice.
        await write(() => journal.update(jobKey, { ...entry, pid: 0 }));
      }
      throw error;
    }
  }
}

/**
 * The server answered the upload and did not take it (bad request, key, balance, size, type): no job
 * exists for its key. Not 408 or 429, which only say "later", nor a 5xx, after which one may.
 */
function isRefusal(error: unknown): boolean {
  return error instanceof APIError && error.status >= 400 && error.status < 500 && error.status !== 408 && error.status !== 429;
}
