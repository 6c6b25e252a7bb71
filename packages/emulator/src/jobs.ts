import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import { type Engine, type EngineDocument, type EngineFileType, EngineInputError, type EnginePage } from "./engine.js";
import { expandPageRanges, type PageRange } from "./page-ranges.js";

export type JobStatus = "pending" | "running" | "completed" | "failed";

/** A job and everything the server knows about it. */
export interface Job {
  readonly id: string;
  /** Index of the API key that created it; only that key sees it. */
  readonly keyIndex: number;
  status: JobStatus;
  /** Epoch ms. */
  readonly createdAt: number;
  finishedAt: number | undefined;
  /** The job's directory, removed with the job. */
  readonly dir: string;
  readonly filePath: string;
  readonly fileType: EngineFileType;
  readonly sha256: string;
  readonly bytes: number;
  readonly pageRanges: PageRange[] | undefined;
  readonly modelProfile: string;
  /** Pages to read, as numbered in the document; known once the document was opened. */
  pageNumbers: number[] | undefined;
  pagesCompleted: number;
  /** Pages read so far, by their number in the document. */
  readonly pages: Map<number, EnginePage>;
  error: { code: string; message: string } | undefined;
  /** Ends failed on purpose (faults.failJob / faults.failFiles). */
  readonly injectedFailure: boolean;
  /** Arrival time (performance.now()) of the last poll accepted. */
  lastPollAt: number | undefined;
  /** `Idempotency-Key` of the upload that created it. */
  readonly idempotencyKey: string | undefined;
}

export type NewJob = Omit<
  Job,
  "id" | "status" | "createdAt" | "finishedAt" | "pageNumbers" | "pagesCompleted" | "pages" | "error" | "lastPollAt"
>;

export interface JobQueueOptions {
  engine: Engine;
  /** Jobs processed at once. */
  concurrency: number;
  /** Finished jobs are deleted after this many ms. */
  ttlMs: number;
  /** A job completed: bill its pages. */
  onCompleted: (job: Job) => void;
  /** A job was deleted (expired, or the server closed). */
  onDeleted: (job: Job) => void;
}

const JOB_ID = /^job_[0-9a-f]{24}$/;
/**
 * Longest timer Node accepts; longer TTLs mean "never expires". Core has the same constant
 * (`MAX_TIMER_MS`), but the emulator does not depend on core, and this one line is no reason to.
 */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** True when `id` looks like a job id this server makes; anything else is never looked up. */
export function isJobId(id: string): boolean {
  return JOB_ID.test(id);
}

export function newJobId(): string {
  return `job_${randomBytes(12).toString("hex")}`;
}

/** A job failure with the code the job reports. */
class JobFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The jobs of an emulator: processed `concurrency` at a time in arrival order, each reading its
 * pages in order with the engine's `pageConcurrency`, deleted `ttlMs` after they finish.
 */
export class JobQueue {
  readonly #options: JobQueueOptions;
  readonly #jobs = new Map<string, Job>();
  readonly #waiting: Job[] = [];
  readonly #running = new Set<Promise<void>>();
  readonly #controllers = new Map<string, AbortController>();
  readonly #expiry = new Map<string, NodeJS.Timeout>();
  /** The most pending and running jobs each key had at once (by key index). */
  readonly #peakActive = new Map<number, number>();
  #closed = false;

  constructor(options: JobQueueOptions) {
    this.#options = options;
  }

  /** Registers a job (visible at once) without starting it; `start` queues it once its file is in place. */
  add(fields: NewJob): Job {
    const job: Job = {
      ...fields,
      id: newJobId(),
      status: "pending",
      createdAt: Date.now(),
      finishedAt: undefined,
      pageNumbers: undefined,
      pagesCompleted: 0,
      pages: new Map(),
      error: undefined,
      lastPollAt: undefined,
    };
    this.#jobs.set(job.id, job);
    const active = this.activeCount(job.keyIndex);
    if (active > (this.#peakActive.get(job.keyIndex) ?? 0)) this.#peakActive.set(job.keyIndex, active);
    return job;
  }

  /** Queues a job added with `add`. */
  start(job: Job): void {
    if (this.#closed || this.#jobs.get(job.id) !== job) return;
    this.#waiting.push(job);
    this.#pump();
  }

  /** The job, if it exists, belongs to `keyIndex` and has not expired. */
  get(id: string, keyIndex: number): Job | undefined {
    if (!isJobId(id)) return undefined;
    const job = this.#jobs.get(id);
    if (!job || job.keyIndex !== keyIndex) return undefined;
    if (job.finishedAt !== undefined && Date.now() - job.finishedAt >= this.#options.ttlMs) {
      void this.delete(job);
      return undefined;
    }
    return job;
  }

  /** Pending and running jobs of a key. */
  activeCount(keyIndex: number): number {
    let count = 0;
    for (const job of this.#jobs.values()) if (job.keyIndex === keyIndex && job.finishedAt === undefined) count++;
    return count;
  }

  /** The most pending and running jobs the key had at once, since the server started. */
  peakActiveCount(keyIndex: number): number {
    return this.#peakActive.get(keyIndex) ?? 0;
  }

  /** Removes a job, stopping it if it runs, and deletes its files. */
  async delete(job: Job): Promise<void> {
    if (this.#jobs.get(job.id) !== job) return;
    this.#jobs.delete(job.id);
    this.#controllers.get(job.id)?.abort(new Error("job deleted"));
    clearTimeout(this.#expiry.get(job.id));
    this.#expiry.delete(job.id);
    const index = this.#waiting.indexOf(job);
    if (index >= 0) this.#waiting.splice(index, 1);
    this.#options.onDeleted(job);
    await rm(job.dir, { recursive: true, force: true, maxRetries: 3 }).catch(() => undefined);
  }

  /** Stops everything: queued jobs never start, running ones are aborted, files are deleted. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#waiting.length = 0;
    for (const controller of this.#controllers.values()) controller.abort(new Error("emulator closed"));
    for (const timer of this.#expiry.values()) clearTimeout(timer);
    this.#expiry.clear();
    await Promise.allSettled([...this.#running]);
    await Promise.all([...this.#jobs.values()].map((job) => this.delete(job)));
  }

  #pump(): void {
    while (!this.#closed && this.#running.size < this.#options.concurrency && this.#waiting.length > 0) {
      const job = this.#waiting.shift() as Job;
      const run: Promise<void> = this.#run(job).finally(() => {
        this.#running.delete(run);
        this.#pump();
      });
      this.#running.add(run);
    }
  }

  async #run(job: Job): Promise<void> {
    const controller = new AbortController();
    this.#controllers.set(job.id, controller);
    const { signal } = controller;
    let document: EngineDocument | undefined;
    try {
      document = await this.#options.engine.open(job.filePath, job.fileType, signal);
      const total = document.pageCount;
      const numbers = job.pageRanges ? expandPageRanges(job.pageRanges) : Array.from({ length: total }, (_, i) => i + 1);
      const beyond = numbers.find((page) => page > total);
      if (beyond !== undefined) {
        throw new JobFailure(
          "page_range_out_of_bounds",
          `page_ranges asks for page ${beyond}, but the document has ${total} page${total === 1 ? "" : "s"}.`,
        );
      }
      job.pageNumbers = numbers;
      job.status = "running";
      await readPages(job, document, numbers, this.#options.engine.pageConcurrency ?? 1, signal);
      if (signal.aborted) return;
      job.status = "completed";
      job.finishedAt = Date.now();
      this.#options.onCompleted(job);
    } catch (error) {
      if (signal.aborted) return;
      job.status = "failed";
      job.finishedAt = Date.now();
      job.error = failureOf(error);
    } finally {
      this.#controllers.delete(job.id);
      await document?.close().catch(() => undefined);
      if (job.finishedAt !== undefined && !this.#closed) this.#scheduleExpiry(job);
    }
  }

  #scheduleExpiry(job: Job): void {
    const ttl = this.#options.ttlMs;
    if (!(ttl <= MAX_TIMER_MS) || this.#jobs.get(job.id) !== job) return;
    const timer = setTimeout(() => void this.delete(job), ttl);
    timer.unref();
    this.#expiry.set(job.id, timer);
  }
}

/**
 * Reads `numbers` in order, `concurrency` at a time, recording each page as it finishes. A job
 * meant to fail stops at its middle page with `ocr_failed`.
 */
async function readPages(job: Job, document: EngineDocument, numbers: number[], concurrency: number, signal: AbortSignal) {
  const failAt = job.injectedFailure ? Math.floor(numbers.length / 2) : -1;
  const stop = new AbortController();
  const onAbort = () => stop.abort(signal.reason);
  signal.addEventListener("abort", onAbort, { once: true });
  let next = 0;
  const worker = async () => {
    while (next < numbers.length && !stop.signal.aborted) {
      const index = next++;
      const pageNumber = numbers[index] as number;
      if (index === failAt) {
        throw new JobFailure("ocr_failed", `OCR failed on page ${pageNumber} (a fault injected by the emulator).`);
      }
      const page = await document.readPage(pageNumber, stop.signal);
      if (stop.signal.aborted) return;
      job.pages.set(pageNumber, page);
      job.pagesCompleted++;
    }
  };
  let failed = false;
  let firstError: unknown;
  try {
    // Every worker settles before the document is closed; the first failure is the job's.
    await Promise.all(
      Array.from({ length: Math.max(1, Math.min(concurrency, numbers.length)) }, () =>
        worker().catch((error: unknown) => {
          if (failed) return;
          failed = true;
          firstError = error;
          stop.abort(error);
        }),
      ),
    );
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
  if (failed) throw firstError;
}

function failureOf(error: unknown): { code: string; message: string } {
  if (error instanceof EngineInputError || error instanceof JobFailure) return { code: error.code, message: error.message };
  const message = error instanceof Error ? error.message : String(error);
  return { code: "ocr_failed", message: `OCR failed: ${message}` };
}
