import { setTimeout as sleep } from "node:timers/promises";
import {
  AuthenticationError,
  BadRequestError,
  type ClientOptions,
  DownloadError,
  type DownloadLimits,
  InvalidInputError,
  InvalidPageRangeError,
  JobFailedError,
  NotFoundError,
  type OcrResult,
  PermissionDeniedError,
  type PreparedInput,
  phaseOf,
  RateLimitError,
  SotaOcrClient,
} from "@sotaocr/core";
import { type Job, Queue, UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { ActiveJobSlots } from "./active-jobs.js";
import { createRedis } from "./connection.js";
import { QueuedFileChangedError, ResultTooLargeError } from "./errors.js";
import { idempotencyKeyOf } from "./job-id.js";
import { DEFAULT_QUEUE_NAME, type QueueConnectionOptions, resultKeyPrefix } from "./queue.js";
import { type OcrJobData, openQueued } from "./queued-file.js";
import { SharedRequestLimiter } from "./request-limiter.js";
import { RedisResultStore, type ResultStore } from "./result-store.js";
import { RedisPaceExchange } from "./shared-pace.js";

export interface OcrWorkerOptions extends QueueConnectionOptions {
  /**
   * The SotaOCR client's options (`apiKey`, `baseUrl`, retries, timeouts…); its `paceExchange` is
   * the worker's own, shared with the queue's other workers through Redis.
   * @default SOTAOCR_API_KEY, SOTAOCR_BASE_URL
   */
  client?: ClientOptions | undefined;
  /** Files this worker has in flight at once. @default 4 */
  concurrency?: number | undefined;
  /**
   * The API key's limit of active jobs (pending or running on the service), kept across every
   * worker of the queue: counted in Redis from just before a file's upload until its job is known
   * to have ended (before its result is fetched), so the latest worker to start with it sets it
   * for all. Files in flight across the workers are held to twice this (BullMQ's global
   * concurrency): while some fetch their results, others upload. A worker that dies gives its
   * jobs' slots back after `lockDurationMs`. @default unset (each worker's `concurrency` only)
   */
  maxActiveJobs?: number | undefined;
  /**
   * The API key's requests per second, shared by every worker that is given it (counted in Redis):
   * uploads, polls, results and retries. Give every worker the same value. @default unlimited
   */
  maxRequestsPerSecond?: number | undefined;
  /**
   * How long a worker's hold on a file lasts without renewal, in ms: a worker that dies loses its
   * files to others after about this long (they resume its SotaOCR jobs). @default 30000
   */
  lockDurationMs?: number | undefined;
  /** How often stalled files (their worker died) are looked for, in ms. @default 30000 */
  stalledIntervalMs?: number | undefined;
  /**
   * Bounds on downloading URL inputs again to upload them (size, time, redirects): give workers
   * those the producer's `add` had. @default core's: 256 MiB, 5 minutes, 5 redirects
   */
  download?: DownloadLimits | undefined;
}

/**
 * A worker: takes files from the queue and OCRs them with the SotaOCR client, within the key's
 * limits shared by every worker through Redis, storing each result where consumers read it.
 *
 * One upload per file: the queue job's id comes from the file's bytes and options, the upload's
 * `Idempotency-Key` from the queue job's id, and the SotaOCR job id is saved to the queue job as
 * soon as the upload answers, so a retried or stalled file (its worker killed) resumes polling
 * that job instead of uploading again.
 *
 * ```ts
 * const worker = new OcrWorker({ redis: process.env.REDIS_URL, concurrency: 8, maxActiveJobs: 8 });
 * worker.stopOnSignals(); // SIGTERM/SIGINT: finish the files in hand, then exit
 * ```
 */
export class OcrWorker {
  readonly name: string;
  /** The BullMQ worker underneath, for its events (`completed`, `failed`, `error`…). */
  readonly worker: Worker<OcrJobData, OcrWorkerReturn>;
  /** Where results are stored. */
  readonly store: ResultStore;
  readonly #client: SotaOcrClient;
  readonly #redis: Redis;
  readonly #queue: Queue<OcrJobData>;
  readonly #slots: ActiveJobSlots | undefined;
  /** The key's pace, learnt from every worker's jobs. */
  readonly #pace: RedisPaceExchange;
  readonly #download: DownloadLimits;
  readonly #stop = new AbortController();
  readonly #ready: Promise<void>;
  #closing: Promise<void> | undefined;

  constructor(options: OcrWorkerOptions = {}) {
    this.name = options.name ?? DEFAULT_QUEUE_NAME;
    this.#redis = createRedis(options.redis);
    this.#download = { ...options.download };
    const concurrency = options.concurrency ?? 4;
    if (!(Number.isInteger(concurrency) && concurrency >= 1))
      throw new TypeError(`concurrency must be a whole number ≥ 1, not ${concurrency}.`);
    const maxActive = options.maxActiveJobs;
    if (maxActive !== undefined && !(Number.isInteger(maxActive) && maxActive >= 1)) {
      throw new TypeError(`maxActiveJobs must be a whole number ≥ 1, not ${maxActive}.`);
    }
    const limiter =
      options.maxRequestsPerSecond === undefined
        ? undefined
        : new SharedRequestLimiter(this.#redis, `bull:${this.name}:sotaocr-requests`, options.maxRequestsPerSecond);
    this.#pace = new RedisPaceExchange(this.#redis, `bull:${this.name}:sotaocr-pace`);
    this.#client = new SotaOcrClient({
      ...options.client,
      ...(limiter ? { dispatcher: limiter.dispatcher() } : {}),
      paceExchange: this.#pace,
    });
    this.store = options.results ?? new RedisResultStore(this.#redis, resultKeyPrefix(this.name), { maxBytes: options.maxResultBytes });
    this.#queue = new Queue<OcrJobData>(this.name, { connection: this.#redis });
    const lockDuration = options.lockDurationMs ?? 30_000;
    this.#slots = maxActive === undefined ? undefined : new ActiveJobSlots(this.#redis, `bull:${this.name}:`, maxActive, lockDuration);
    // The limits are in Redis before this worker takes a file: no upload goes over them.
    const slots = this.#slots;
    // The key's pace too: a worker that joins a running queue polls its first files as the others do.
    this.#ready = Promise.all([
      this.#pace.historyRead(),
      ...(maxActive === undefined || slots === undefined
        ? []
        : [slots.publishLimit(), this.#queue.setGlobalConcurrency(FILES_PER_ACTIVE_JOB * maxActive)]),
    ]).then(() => undefined);
    this.worker = new Worker<OcrJobData, OcrWorkerReturn>(this.name, (job, token, signal) => this.#process(job, token, signal), {
      connection: this.#redis,
      concurrency,
      autorun: false,
      lockDuration,
      stalledInterval: options.stalledIntervalMs ?? 30_000,
      // A file whose worker died is resumed (its SotaOCR job polled, not uploaded again): let it be, a few times.
      maxStalledCount: 5,
      // BullMQ honours `rateLimit()` (the pause on a 429, below) only in workers that have a
      // limiter: one that never limits by itself, so the pause is the only thing it does.
      limiter: { max: Number.MAX_SAFE_INTEGER, duration: 1_000 },
    });
    // Without a listener an 'error' event would end the process; BullMQ reconnects by itself.
    this.worker.on("error", () => undefined);
    void this.#ready.then(
      () => {
        if (!this.#closing) void this.worker.run();
      },
      (error: unknown) => this.worker.emit("error", error as Error),
    );
  }

  /** Resolves once the worker takes files (the shared limits are set). */
  async ready(): Promise<void> {
    await this.#ready;
    await this.worker.waitUntilReady();
  }

  /**
   * Stops taking files. By default the files in hand are finished first; `force` abandons them at
   * once: their SotaOCR jobs go on, and another worker resumes them once their hold lapses.
   */
  close(force = false): Promise<void> {
    if (force) this.#stop.abort(new Error("worker closed"));
    this.#closing ??= (async () => {
      await this.#ready.catch(() => undefined);
      this.#pace.close();
      await this.worker.close(force);
      this.#slots?.close();
      await this.#queue.close();
      await this.#redis.quit().catch(() => undefined);
    })();
    if (force) return this.worker.close(true).then(() => this.#closing);
    return this.#closing;
  }

  /**
   * Closes on SIGTERM or SIGINT, finishing the files in hand; a second signal abandons them (they
   * are resumed elsewhere). `onClosed` runs once closed (default: nothing; the process exits when
   * nothing else holds it).
   */
  stopOnSignals(onClosed: () => void = () => undefined, signals: readonly NodeJS.Signals[] = ["SIGTERM", "SIGINT"]): void {
    let received = 0;
    const onSignal = () => {
      received++;
      const closing = this.close(received > 1);
      if (received === 1) {
        void closing.finally(() => {
          for (const signal of signals) process.off(signal, onSignal);
          onClosed();
        });
      }
    };
    for (const signal of signals) process.on(signal, onSignal);
  }

  async #process(job: Job<OcrJobData, OcrWorkerReturn>, _token: string | undefined, cancel?: AbortSignal): Promise<OcrWorkerReturn> {
    const signal = cancel ? AbortSignal.any([cancel, this.#stop.signal]) : this.#stop.signal;
    try {
      const result = await this.#ocr(job, signal);
      await this.store.put(job.id as string, result);
      return { sotaocrJobId: result.jobId, pageCount: result.pageCount };
    } catch (error) {
      throw await this.#asQueueError(job, error);
    }
  }

  /**
   * Upload and wait, or, when an earlier try saved its SotaOCR job, resume that job; within a slot
   * of the key's active jobs (when `maxActiveJobs` is set) from before the upload until the job is
   * seen to end.
   */
  async #ocr(job: Job<OcrJobData, OcrWorkerReturn>, signal: AbortSignal): Promise<OcrResult> {
    const data = job.data;
    const prepared = await openQueued(data, { ...this.#download, signal });
    const slot = await this.#slots?.acquire(job.id as string, signal);
    let jobKnown = data.sotaocrJobId !== undefined;
    // The job ended on the server (completed or failed): its slot is free before its result is fetched.
    const watch = (status: string) => {
      jobKnown = true;
      if (phaseOf(status) !== "in_progress") void slot?.release().catch(() => undefined);
    };
    try {
      return await this.#ocrInSlot(job, prepared, signal, watch);
    } catch (error) {
      // A job that may still run keeps its slot until the lease lapses (or a retry of this file takes it
      // again); one that is gone (404), was refused, or never started gives it back.
      const mayRun = jobKnown && !NotFoundError.isInstance(error);
      if (slot && (mayRun || signal.aborted)) slot.abandon();
      throw error;
    } finally {
      await slot?.release().catch(() => undefined);
    }
  }

  async #ocrInSlot(
    job: Job<OcrJobData, OcrWorkerReturn>,
    prepared: PreparedInput,
    signal: AbortSignal,
    watch: (status: string) => void,
  ): Promise<OcrResult> {
    const data = job.data;
    const { format, pageRanges, modelProfile } = data;
    const resumed = data.sotaocrJobId;
    if (resumed) {
      // The worker before may have polled it a moment ago: keep the API's second between polls.
      await sleep(this.#client.pollIntervalMs, undefined, { signal });
      await this.#client.waitForJob(resumed, { signal, onProgress: (progress) => watch(progress.status) });
      const pages = await this.#client.getPages(resumed, { format, pageRanges, signal });
      const { filename, source, fileType, size } = prepared;
      return {
        jobId: resumed,
        format: pages.format,
        pageCount: pages.pageCount,
        pages: pages.pages,
        pageRanges,
        pageSource: pages.pageSource,
        file: { filename, source, fileType, size, sha256: data.sha256 },
        raw: pages.raw,
      };
    }
    let saved: Promise<unknown> | undefined;
    const result = await this.#client.ocr(prepared, {
      format,
      pageRanges,
      modelProfile,
      idempotencyKey: idempotencyKeyOf(job.id as string),
      signal,
      // The first report is the upload's answer: save the job before the first poll.
      onProgress: (progress) => {
        saved ??= job.updateData({ ...data, sotaocrJobId: progress.jobId });
        watch(progress.status);
      },
    });
    await saved;
    return result;
  }

  /** What BullMQ should do about a failed try: retry it, wait for the rate limit, or give up. */
  async #asQueueError(job: Job<OcrJobData, OcrWorkerReturn>, error: unknown): Promise<Error> {
    if (RateLimitError.isInstance(error)) {
      // The key is over a limit (requests, or active jobs used by someone else): every worker
      // pauses taking files, and this one goes back to the queue without using up a try.
      await this.worker.rateLimit(error.retryAfterMs ?? 1_000);
      return Worker.RateLimitError();
    }
    if (NotFoundError.isInstance(error) && job.data.sotaocrJobId) {
      // The SotaOCR job is gone (expired): the next try uploads again.
      await job.updateData({ ...job.data, sotaocrJobId: undefined });
      return error as Error;
    }
    // A download that stalled, lost its connection or met a server error may work later.
    if (DownloadError.isInstance(error) && downloadMayPass(error)) return error;
    // Another try would end the same way.
    const hopeless = [
      JobFailedError,
      InvalidInputError,
      InvalidPageRangeError,
      BadRequestError,
      AuthenticationError,
      PermissionDeniedError,
      QueuedFileChangedError,
      ResultTooLargeError,
    ].some((type) => isKind(error, type.prototype.name));
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return hopeless ? new UnrecoverableError(message) : error instanceof Error ? error : new Error(message);
  }
}

/** Files in flight across the workers per active job the key allows: one uploading or polling, one fetching its result. */
const FILES_PER_ACTIVE_JOB = 2;

/** What a worker records as a finished queue job's return value (the result itself is in the store). */
export interface OcrWorkerReturn {
  sotaocrJobId: string;
  pageCount: number;
}

/** A download failure another try may not meet: a stall, a lost connection, a busy or failing server. */
function downloadMayPass(error: DownloadError): boolean {
  const status = error.status ?? 0;
  return error.problem === "timeout" || error.problem === "connection" || status === 408 || status === 429 || status >= 500;
}

/** True when `error` is of the named error class or a subclass (by prototype names, as across package copies). */
function isKind(error: unknown, name: string): boolean {
  for (let proto = error instanceof Error ? Object.getPrototypeOf(error) : null; proto; proto = Object.getPrototypeOf(proto)) {
    if (Object.hasOwn(proto, "name") && proto.name === name) return true;
  }
  return false;
}
