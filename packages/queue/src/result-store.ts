import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { OcrResult } from "@sotaocr/core";
import type { Redis } from "ioredis";
import { ResultTooLargeError } from "./errors.js";

/**
 * Where workers put finished results and consumers read them, by queue job id: it must outlive the
 * workers and be reachable from every worker and consumer. `put` of an id already stored replaces
 * it (a queue job that ran twice stores the same result twice).
 */
export interface ResultStore {
  put(id: string, result: OcrResult): Promise<void>;
  /** The result, or undefined when none is stored under `id`. */
  get(id: string): Promise<OcrResult | undefined>;
  delete(id: string): Promise<void>;
}

/** Largest result `RedisResultStore` keeps by default: 1 MiB of JSON (roughly 300–500 pages of markdown). */
export const DEFAULT_MAX_RESULT_BYTES = 1024 * 1024;

const ID = /^[A-Za-z0-9._-]{1,200}$/;

function checkId(id: string): string {
  if (!ID.test(id)) throw new TypeError(`A result id is 1–200 letters, digits, ".", "_" or "-", not ${JSON.stringify(id)}.`);
  return id;
}

/**
 * Results in Redis, one string per result, up to `maxBytes` (default 1 MiB) each: a larger one is
 * refused with `ResultTooLargeError` (the queue job fails, naming its SotaOCR job, which a later run
 * with a `FolderResultStore` resumes without uploading again). Redis keeps everything in memory:
 * for big documents or millions of pages, use a `FolderResultStore`.
 */
export class RedisResultStore implements ResultStore {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly maxBytes: number;

  /** `keyPrefix`: what every key starts with, e.g. `bull:sotaocr:result:`. */
  constructor(redis: Redis, keyPrefix: string, options: { maxBytes?: number | undefined } = {}) {
    this.#redis = redis;
    this.#prefix = keyPrefix;
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_RESULT_BYTES;
  }

  async put(id: string, result: OcrResult): Promise<void> {
    const json = JSON.stringify(result);
    const bytes = Buffer.byteLength(json);
    if (bytes > this.maxBytes) {
      throw new ResultTooLargeError(
        `The result of ${result.file.source} (SotaOCR job ${result.jobId}) is ${bytes} bytes, more than the Redis result store keeps (${this.maxBytes}). ` +
          "Give the workers and consumers a FolderResultStore on shared storage (`sotaocr queue work --results-dir`), or a larger maxResultBytes; the job is resumed, not uploaded again.",
        bytes,
        this.maxBytes,
      );
    }
    await this.#redis.set(this.#prefix + checkId(id), json);
  }

  async get(id: string): Promise<OcrResult | undefined> {
    const json = await this.#redis.get(this.#prefix + checkId(id));
    return json === null ? undefined : (JSON.parse(json) as OcrResult);
  }

  async delete(id: string): Promise<void> {
    await this.#redis.del(this.#prefix + checkId(id));
  }
}

/**
 * Results as JSON files in a folder every worker and consumer sees (NFS, SMB, a mounted bucket):
 * `<dir>/<id>.json`, written to a temporary name and renamed into place, so a reader never sees
 * half a result. No size limit.
 */
export class FolderResultStore implements ResultStore {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  async put(id: string, result: OcrResult): Promise<void> {
    const path = join(this.dir, `${checkId(id)}.json`);
    await mkdir(this.dir, { recursive: true });
    const temporary = join(this.dir, `.${id}.${randomBytes(6).toString("hex")}.tmp`);
    try {
      await writeFile(temporary, JSON.stringify(result));
      await rename(temporary, path);
    } finally {
      await rm(temporary, { force: true });
    }
  }

  async get(id: string): Promise<OcrResult | undefined> {
    try {
      return JSON.parse(await readFile(join(this.dir, `${checkId(id)}.json`), "utf8")) as OcrResult;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
  }

  async delete(id: string): Promise<void> {
    await rm(join(this.dir, `${checkId(id)}.json`), { force: true });
  }
}
