import { APIError, JobFailedError, NotFoundError, SotaOcrError } from "../errors.js";
import type { PageRange } from "../options/page-ranges.js";
import type { OcrFormat, OcrResult } from "../types.js";
import { sleep } from "../utils/timers.js";
import { HEARTBEAT_MS, JobJournal, type JournalEntry } from "./job-journal.js";
import { cacheKey, ResultStore } from "./result-store.js";

/** What a cached result is keyed by: what makes the job, and the format asked of it. */
export interface CacheKey {
  /** The file's bytes. */
  sha256: string;
  pageRanges: PageRange[] | undefined;
  modelProfile: string | undefined;
  /** The service. */
  baseUrl: string;
  format: OcrFormat;
}

/** What `ocr` gets from the cache when it has to run the job: the key to upload with, maybe a job to resume. */
export interface CacheTicket {
  readonly idempotencyKey: string;
  /** A job a previous run created for the same file: wait for it instead of uploading. */
  readonly resumeJobId: string | undefined;
  /** The latest moment (epoch ms) a previous run may have sent a request about that job: polls keep their interval after it. */
  readonly previousRequestAt: number | undefined;
  /** Records the job the upload created, as soon as it answered, so the journal knows it before anything else can fail. */
  jobCreated(jobId: string): Promise<void>;
}

/** How often a process waiting for another one's job looks for its result. */
const WAIT_FOR_OTHER_MS = 250;

/**
 * The cache folder of `ClientOptions.cache`: finished results (`ResultStore`) and a journal of the
 * jobs in flight (`JobJournal`), behind one call, `run`.
 */
export class OcrCache {
  readonly #results: ResultStore;
  readonly #journal: JobJournal;

  constructor(dir: string) {
    this.#results = new ResultStore(dir);
    this.#journal = new JobJournal(dir);
  }

  /**
   * `ocr` with the cache: a cached result costs no request; a job that a previous run left (it
   * crashed, or failed before the result) is resumed instead of uploading again, and an upload
   * whose outcome it never learnt is sent again with the same idempotency key; while another
   * process works on the same file, this one waits for its result (or its failure). A resumed job
   * that expired is dropped and the file uploaded once more. Otherwise `work` runs the job with the
   * ticket it is given. The cache is a help, never a risk to a paid result: once a job ran, failing
   * to write to the folder does not throw its result away. `idempotencyKey`, the caller's own, wins
   * over the journal's.
   */
  async run(
    key: CacheKey,
    options: { idempotencyKey: string | undefined; signal: AbortSignal },
    work: (ticket: CacheTicket) => Promise<OcrResult>,
  ): Promise<OcrResult> {
    const results = this.#results;
    const journal = this.#journal;
    const { signal } = options;
    // What makes a job, in this order: the keys of results cached before stay valid.
    const jobKey = cacheKey({ sha256: key.sha256, pageRanges: key.pageRanges, modelProfile: key.modelProfile, baseUrl: key.baseUrl });
    const resultKey = cacheKey({ jobKey, format: key.format });
    let freshUploadsLeft = 1;
    for (;;) {
      const cached = await results.read(resultKey);
      if (cached) return cached;
      const claim = await journal.claim(jobKey, options.idempotencyKey).catch((cause: unknown) => {
        throw new SotaOcrError(
          `The cache folder cannot be used (${(cause as Error).message}). Pass another \`cache\` folder, or leave the cache off.`,
          { cause },
        );
      });
      if (!claim.owned) {
        const { failed } = claim;
        if (failed) throw new JobFailedError(failed.jobId ?? "(unknown)", failed.status, failed.code, failed.message);
        await sleep(WAIT_FOR_OTHER_MS, signal, undefined);
        continue;
      }
      let entry: JournalEntry = claim.entry;
      // The holder before may have stored its result and let go between the read above and this
      // claim (it stores, then releases): look again before paying for the file a second time.
      const storedMeanwhile = await results.read(resultKey);
      if (storedMeanwhile) {
        await journal.release(jobKey, entry).catch(() => {});
        return storedMeanwhile;
      }
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
        const result = await work({
          idempotencyKey: entry.idempotencyKey,
          resumeJobId: entry.jobId,
          previousRequestAt: claim.lastRequestAt,
          jobCreated: async (jobId) => {
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
}

/**
 * The server answered the upload and did not take it (bad request, key, balance, size, type): no job
 * exists for its key. Not 408 or 429, which only say "later", nor a 5xx, after which one may.
 */
function isRefusal(error: unknown): boolean {
  return error instanceof APIError && error.status >= 400 && error.status < 500 && error.status !== 408 && error.status !== 429;
}
