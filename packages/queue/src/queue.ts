import { setTimeout as sleep } from "node:timers/promises";
import {
  type DownloadLimits,
  type OcrInput,
  type OcrOptions,
  type OcrResult,
  type PreparedInput,
  prepareInput,
  SotaOcrClient,
  SotaOcrError,
  sha256Hex,
} from "@sotaocr/core";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { activeJobLimitKey } from "./active-jobs.js";
import { createRedis, type RedisConnection } from "./connection.js";
import { ResultNotFoundError } from "./errors.js";
import { type FileOrder, mixedOrder, priorityOf } from "./file-order.js";
import { queueJobId, type ResultOptions } from "./job-id.js";
import { type FileToQueue, type OcrJobData, type QueueOcrOptions, readForQueue, resolveResultOptions } from "./queued-file.js";
import { RedisResultStore, type ResultStore } from "./result-store.js";

/** The queue's name unless told otherwise. */
export const DEFAULT_QUEUE_NAME = "sotaocr";

/** What producers, workers and consumers of one queue must agree on. */
export interface QueueConnectionOptions {
  /** Redis: a `redis://` URL or ioredis options. @default process.env.REDIS_URL, else "redis://127.0.0.1:6379" */
  redis?: RedisConnection | undefined;
  /** The BullMQ queue's name: several corpora can share one Redis under different names. @default "sotaocr" */
  name?: string | undefined;
  /**
   * Where results are kept: by default in the same Redis (at most `maxResultBytes` each); give every
   * worker and consumer the same `FolderResultStore` for large results.
   */
  results?: ResultStore | undefined;
  /** Largest result the default Redis store keeps, in bytes. @default 1048576 (1 MiB) */
  maxResultBytes?: number | undefined;
}

export interface AddOptions extends QueueOcrOptions {
  /** Tries of each file before it counts as failed (a try resumes the SotaOCR job a previous one made). @default 3 */
  attempts?: number | undefined;
  /** Bounds on downloading URL inputs (size, time, redirects). @default core's: 256 MiB, 5 minutes, 5 redirects */
  download?: DownloadLimits | undefined;
  /**
   * The order workers take the files in, by the pages to read where the client can count them while
   * hashing (images, PDFs with uncompressed page objects; files it cannot count go first):
   * - `"mixed"`: long and short files in turn, so that the mean length taken so far stays near the
   *   batch's, then up to 16 files from the shorter half of the lengths, longest first. Short files'
   *   result requests are then spread over the batch instead of crowding the key's requests per
   *   second at its end, and the key's active-job slots empty close together (docs/benchmarks.md
   *   §6, items 11 and 13). Applies to each 500 files of one `add`, which are queued in that order,
   *   without priority.
   * - `"longest-first"`: most pages first, by BullMQ priority: across calls, files added later with
   *   more pages go ahead of those waiting. A batch ends on short files.
   * - `"as-added"`: first in, first out.
   *
   * Workers take files queued without priority (`"mixed"`, `"as-added"`, and uncounted files) before
   * any waiting with one.
   * @default "mixed"
   */
  order?: FileOrder | undefined;
  signal?: AbortSignal | undefined;
}

/** A file `add` queued, or found queued already. */
export interface QueuedFile {
  /** The queue job's id, from the file's SHA-256 and the options. */
  id: string;
  source: string;
  sha256: string;
  /** "added": new; "queued": already in the queue (not added again); "retried": it had failed and was queued again. */
  outcome: "added" | "queued" | "retried";
}

/** One file's outcome, as `results()` yields it. */
export type QueueItem =
  | { id: string; source: string; result: OcrResult; error?: undefined }
  | { id: string; source: string; result?: undefined; error: Error };

/** Files by state, and the key's limits as the queue has them. */
export interface QueueStatus {
  waiting: number;
  active: number;
  delayed: number;
  completed: number;
  failed: number;
  /** The key's active-job limit the workers keep (their `maxActiveJobs`), if set. */
  maxActiveJobs: number | undefined;
}

export interface ResultsOptions {
  /** Keep waiting for new results once the queue is empty (until `signal`). @default false: end when no file is left to do */
  follow?: boolean | undefined;
  /** How often the store is asked for new results while none come, in ms. @default 500 */
  pollIntervalMs?: number | undefined;
  signal?: AbortSignal | undefined;
}

const PENDING_STATES = ["waiting", "active", "delayed", "prioritized", "paused", "waiting-children"] as const;
const PAGE = 500;
const FILE_ORDERS: readonly FileOrder[] = ["mixed", "longest-first", "as-added"];
/** Files `add` reads and hashes before it queues them (and orders them among themselves). */
export const ADD_CHUNK = 500;

/**
 * A corpus to OCR on distributed workers: add files (producer), read results as they finish
 * (consumer). The workers are `OcrWorker`s, on any machine that reaches the same Redis.
 *
 * ```ts
 * const queue = new OcrQueue({ redis: "redis://127.0.0.1:6379" });
 * await queue.add(["/shared/scans/a.pdf", "https://example.com/b.pdf"]);
 * for await (const item of queue.results()) console.log(item.source, item.result?.pages.length ?? item.error?.message);
 * await queue.close();
 * ```
 */
export class OcrQueue {
  readonly name: string;
  /** The BullMQ queue underneath, for what this class does not cover (metrics, cleaning, pausing). */
  readonly queue: Queue<OcrJobData>;
  /** Where results are read from. */
  readonly store: ResultStore;
  readonly #redis: Redis;

  constructor(options: QueueConnectionOptions = {}) {
    this.name = options.name ?? DEFAULT_QUEUE_NAME;
    this.#redis = createRedis(options.redis);
    this.queue = new Queue<OcrJobData>(this.name, { connection: this.#redis });
    this.store = options.results ?? new RedisResultStore(this.#redis, resultKeyPrefix(this.name), { maxBytes: options.maxResultBytes });
  }

  /**
   * Queues files: paths on storage every worker sees (made absolute here) or http(s) URLs. Each is
   * read, checked (PDF, PNG or JPEG, by its bytes) and hashed first; a file already queued with the
   * same bytes and options is not added again (also when given twice), one that failed is retried.
   *
   * Files are read 500 at a time, and each 500 queued once all are read: a file that cannot be read
   * (missing, not a PDF, PNG or JPEG, a failed download) rejects the call with its error, after the
   * files of the 500s before it were queued and before any of its own 500 is. Adding the same files
   * again is safe: those queued come back as `"queued"`.
   */
  async add(files: readonly (string | URL)[], options: AddOptions = {}): Promise<QueuedFile[]> {
    const resultOptions = resolveResultOptions(options);
    const attempts = options.attempts ?? 3;
    const order = options.order ?? "mixed";
    if (!FILE_ORDERS.includes(order)) throw new TypeError(`order must be "mixed", "longest-first" or "as-added", not ${String(order)}.`);
    if (!(Number.isInteger(attempts) && attempts >= 1)) throw new TypeError(`attempts must be a whole number ≥ 1, not ${attempts}.`);
    const queued: QueuedFile[] = [];
    for (let start = 0; start < files.length; start += ADD_CHUNK) {
      const read: FileToQueue[] = [];
      for (const file of files.slice(start, start + ADD_CHUNK)) {
        read.push(await readForQueue(file, resultOptions.pageRanges, { ...options.download, signal: options.signal }));
      }
      queued.push(...(await this.#queueRead(read, resultOptions, order, attempts)));
    }
    return queued;
  }

  /** Queues files `add` read, in `order`; their outcomes in the order given. */
  async #queueRead(read: FileToQueue[], resultOptions: ResultOptions, order: FileOrder, attempts: number): Promise<QueuedFile[]> {
    const queued: QueuedFile[] = [];
    const fresh: (FileToQueue & { id: string })[] = [];
    const seen = new Set<string>();
    for (const file of read) {
      const id = queueJobId(file.sha256, resultOptions);
      const { source, sha256 } = file;
      if (seen.has(id)) {
        queued.push({ id, source, sha256, outcome: "queued" }); // given twice: queued by its first mention
        continue;
      }
      seen.add(id);
      const existing = await this.queue.getJob(id);
      if (!existing) {
        fresh.push({ ...file, id });
        queued.push({ id, source, sha256, outcome: "added" });
        continue;
      }
      const failed = (await existing.getState()) === "failed";
      if (failed) await existing.retry("failed");
      queued.push({ id, source, sha256, outcome: failed ? "retried" : "queued" });
    }
    await this.queue.addBulk(
      (order === "mixed" ? mixedOrder(fresh) : fresh).map(({ id, source, filename, sha256, pages }) => {
        const data: OcrJobData = { source, filename, sha256, ...resultOptions };
        if (data.pageRanges === undefined) delete data.pageRanges;
        if (data.modelProfile === undefined) delete data.modelProfile;
        const priority = priorityOf(pages, order);
        return {
          name: "ocr",
          data,
          opts: {
            jobId: id,
            ...(priority === undefined ? {} : { priority }),
            attempts,
            backoff: { type: "exponential", delay: 5_000 },
            removeOnComplete: false,
            removeOnFail: false,
          },
        };
      }),
    );
    return queued;
  }

  /** How many files wait, run, finished or failed, and the active-job limit set by the workers. */
  async status(): Promise<QueueStatus> {
    const counts = await this.queue.getJobCounts("waiting", "active", "delayed", "prioritized", "paused", "completed", "failed");
    const limit = await this.#redis.get(activeJobLimitKey(`bull:${this.name}:`));
    return {
      waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.paused ?? 0),
      active: counts.active ?? 0,
      delayed: counts.delayed ?? 0,
      completed: counts.completed ?? 0,
      failed: counts.failed ?? 0,
      maxActiveJobs: limit === null ? undefined : Number(limit),
    };
  }

  /** A finished file's result, by queue job id (`QueuedFile.id`). */
  async result(id: string): Promise<OcrResult | undefined> {
    return this.store.get(id);
  }

  /**
   * Every finished file, in the order they finished, as they finish: results from the store,
   * failures (after their last try) as errors. Ends when no file is left waiting or running
   * (or, with `follow`, never: stop with `signal` or by leaving the loop). Reads only what is new
   * each time, so it can follow a queue of millions.
   */
  async *results(options: ResultsOptions = {}): AsyncGenerator<QueueItem> {
    const pollMs = options.pollIntervalMs ?? 500;
    const redis = this.#redis;
    const cursors = { completed: "-inf", failed: "-inf" } as Record<"completed" | "failed", string>;
    const seen = new Set<string>();
    for (;;) {
      options.signal?.throwIfAborted();
      // Counted before reading: when nothing was pending then, every file is in a finished set now.
      const pending = options.follow ? 1 : await this.#pendingCount();
      let found = 0;
      for (const state of ["completed", "failed"] as const) {
        for (;;) {
          const key = this.queue.keys[state] as string;
          const page = await redis.zrangebyscore(key, cursors[state], "+inf", "WITHSCORES", "LIMIT", 0, PAGE);
          let fresh = 0;
          for (let i = 0; i < page.length; i += 2) {
            const id = page[i] as string;
            cursors[state] = page[i + 1] as string; // inclusive: jobs finishing in the same ms are not skipped
            if (seen.has(`${state}:${id}`)) continue;
            seen.add(`${state}:${id}`);
            fresh++;
            found++;
            yield await this.#item(id, state);
          }
          if (fresh === 0 || page.length < 2 * PAGE) break;
        }
      }
      if (pending === 0 && found === 0) return;
      if (found === 0) await sleep(pollMs, undefined, { signal: options.signal });
    }
  }

  /**
   * A client whose `ocr()` answers from this queue's results instead of the service: give it to
   * `SotaOcrLoader` or `SotaOcrReader` (`client` option) and they read a queued corpus as Documents,
   * with the same ids and metadata as a local load. A file is found by its bytes and the `format`,
   * `pageRanges` and `modelProfile` the loader is given (the same as when it was queued); one
   * without a result fails with `ResultNotFoundError`. Nothing is uploaded.
   */
  resultsClient(): SotaOcrClient {
    return new QueueResultsClient(async (input, options) => {
      const prepared = isPrepared(input) ? input : await prepareInput(input, { filename: options.filename });
      const sha256 = await sha256Hex(prepared.blob, options.signal);
      const id = queueJobId(sha256, resolveResultOptions(options));
      const result = await this.store.get(id);
      if (!result) {
        throw new ResultNotFoundError(
          `${prepared.source}: no result in queue "${this.name}" for these bytes and options (queue job ${id}). Queue it (\`sotaocr queue add\`), run workers, and wait for it (\`sotaocr queue status\`); load with the format, pageRanges and modelProfile it was queued with.`,
        );
      }
      const { filename, source, fileType, size } = prepared;
      return { ...result, file: { filename, source, fileType, size, sha256 } };
    });
  }

  /** Closes the queue's Redis connection. */
  async close(): Promise<void> {
    await this.queue.close();
    await this.#redis.quit().catch(() => undefined);
  }

  async #pendingCount(): Promise<number> {
    const counts = await this.queue.getJobCounts(...PENDING_STATES);
    return Object.values(counts).reduce((sum, count) => sum + count, 0);
  }

  async #item(id: string, state: "completed" | "failed"): Promise<QueueItem> {
    const job = await this.queue.getJob(id);
    const source = job?.data.source ?? id;
    if (state === "failed") {
      const reason = job?.failedReason || "failed (no reason recorded)";
      return { id, source, error: new SotaOcrError(`${source}: ${reason}`, { jobId: job?.data.sotaocrJobId }) };
    }
    const result = await this.store.get(id);
    if (result) return { id, source, result };
    return {
      id,
      source,
      error: new ResultNotFoundError(
        `${source}: finished, but its result is not in this store (queue job ${id}): give the consumer the same results store as the workers.`,
      ),
    };
  }
}

/** Where the Redis result store keeps a queue's results. */
export function resultKeyPrefix(queueName: string): string {
  return `bull:${queueName}:sotaocr-result:`;
}

/** `prepareInput`'s result (ocrMany hands those to `ocr`). */
function isPrepared(input: OcrInput | PreparedInput): input is PreparedInput {
  return typeof input === "object" && !(input instanceof Blob) && !(input instanceof URL) && "blob" in input && "fileType" in input;
}

type Lookup = (input: OcrInput | PreparedInput, options: OcrOptions) => Promise<OcrResult>;

/** `resultsClient()`: `ocr()` looks results up; everything else is the client's (and needs no key). */
class QueueResultsClient extends SotaOcrClient {
  readonly #lookup: Lookup;
  constructor(lookup: Lookup) {
    super({ apiKey: process.env.SOTAOCR_API_KEY || "queue-results" });
    this.#lookup = lookup;
  }
  override async ocr(input: OcrInput | PreparedInput, options: OcrOptions = {}): Promise<OcrResult> {
    return this.#lookup(input, options);
  }
}
