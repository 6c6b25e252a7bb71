import { JobFailedError, NotFoundError, toAbortError } from "./errors.js";
import type { JobJournal, JournalEntry } from "./job-journal.js";
import { cacheKey, type ResultCache } from "./result-cache.js";
import { sleep } from "./sleep.js";
import type { OcrResult } from "./types.js";

/** How `ocr` runs one file when a cache is on: with a known idempotency key, maybe resuming a job. */
export interface CachedRun {
  idempotencyKey: string;
  /** A job a previous run created for the same file: wait for it instead of uploading. */
  resumeJobId: string | undefined;
  /** Called as soon as the upload answered, so the journal knows the job before anything else can fail. */
  onJobCreated: (jobId: string) => Promise<void>;
}

export interface CachedOcrContext {
  results: ResultCache;
  journal: JobJournal;
  /** What makes a job: the file's hash, page ranges, model profile, service. */
  jobParts: Record<string, unknown>;
  format: string;
  signal: AbortSignal;
  run: (run: CachedRun) => Promise<OcrResult>;
}

/** How often a process waiting for another one's job looks for its result. */
const WAIT_FOR_OTHER_MS = 250;

/**
 * `ocr` with the result cache and the job journal: a cached result costs no request; a job that
 * a previous (crashed) run left is resumed instead of uploading again; while another process works
 * on the same file, this one waits for its result. A resumed job that expired or failed is dropped
 * and the file uploaded once more.
 */
export async function cachedOcr(context: CachedOcrContext): Promise<OcrResult> {
  const { results, journal, signal } = context;
  const jobKey = cacheKey(context.jobParts);
  const resultKey = cacheKey({ jobKey, format: context.format });
  let freshUploadsLeft = 1;
  for (;;) {
    const cached = await results.read(resultKey);
    if (cached) return cached;
    const claim = await journal.claim(jobKey);
    if (!claim.owned) {
      await sleep(WAIT_FOR_OTHER_MS, signal).catch((reason) => {
        throw toAbortError(reason, undefined);
      });
      continue;
    }
    let entry: JournalEntry = claim.entry;
    const resuming = entry.jobId !== undefined;
    try {
      const result = await context.run({
        idempotencyKey: entry.idempotencyKey,
        resumeJobId: entry.jobId,
        onJobCreated: async (jobId) => {
          entry = { ...entry, jobId };
          await journal.update(jobKey, entry);
        },
      });
      await results.write(resultKey, result);
      await journal.release(jobKey);
      return result;
    } catch (error) {
      const gone = error instanceof NotFoundError || error instanceof JobFailedError;
      if (resuming && gone && freshUploadsLeft-- > 0) {
        await journal.release(jobKey); // the job expired or failed: upload anew, once
        continue;
      }
      if (signal.aborted) {
        // The job may still be running: let the next run (in this process or another) resume it.
        await journal.update(jobKey, { ...entry, pid: 0 }).catch(() => {});
      } else {
        await journal.release(jobKey);
      }
      throw error;
    }
  }
}
