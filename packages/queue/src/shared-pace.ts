import { setTimeout as sleep } from "node:timers/promises";
import type { PaceExchange } from "@sotaocr/core";
import type { Redis } from "ioredis";

/**
 * Messages the stream keeps (its latest jobs'): a worker that starts later reads them first, so it
 * polls its first files as the workers that have run a while do (the pace needs two jobs that agree).
 */
const HISTORY = 16;
/** How often the stream is read for news, in ms: soon enough for a prior, a few cheap reads a second. */
const READ_EVERY_MS = 250;
/**
 * A stream nobody wrote to for this long is dropped (ms): the server's pace may have changed since,
 * and a memory that starts from a stale pace has to unlearn it first.
 */
const FORGET_AFTER_MS = 15 * 60_000;

/**
 * The key's pace shared by a queue's workers (core's `PaceExchange`): each completed job's message
 * goes into a capped Redis stream, and each worker reads the stream from its start, then what is
 * new a few times a second (a plain read on the worker's connection: no blocking read to watch
 * over). Without it each worker process learns alone, and the jobs it polls before it has learnt
 * wait a full second after their upload (docs/benchmarks.md §6, item 11).
 */
export class RedisPaceExchange implements PaceExchange {
  readonly #redis: Redis;
  readonly #key: string;
  readonly #deliver: ((message: unknown) => void)[] = [];
  readonly #stop = new AbortController();
  #historyRead: Promise<void> | undefined;

  constructor(redis: Redis, key: string) {
    this.#redis = redis;
    this.#key = key;
  }

  publish(message: object): Promise<void> {
    if (this.#stop.signal.aborted) return Promise.resolve();
    return this.#redis
      .multi()
      .xadd(this.#key, "MAXLEN", HISTORY, "*", "message", JSON.stringify(message))
      .pexpire(this.#key, FORGET_AFTER_MS)
      .exec()
      .then(() => undefined);
  }

  subscribe(deliver: (message: unknown) => void): void {
    this.#deliver.push(deliver);
    this.#historyRead ??= new Promise((historyRead) => void this.#follow(historyRead));
  }

  /** Resolves once the stream's history was read and delivered (at once if nothing subscribed). */
  historyRead(): Promise<void> {
    return this.#historyRead ?? Promise.resolve();
  }

  /** Stops reading the stream and publishing; nothing is delivered afterwards. */
  close(): void {
    this.#stop.abort();
  }

  async #follow(historyRead: () => void): Promise<void> {
    const { signal } = this.#stop;
    // From the stream's start: its history first, then each message as it comes, none twice (one
    // that lags behind a burst of more than HISTORY misses the oldest of it: the pace needs the latest).
    let lastId = "0-0";
    while (!signal.aborted) {
      try {
        const answer = await this.#redis.xread("COUNT", HISTORY, "STREAMS", this.#key, lastId);
        for (const [, entries] of answer ?? []) {
          for (const [id, fields] of entries) {
            lastId = id;
            const message = messageOf(fields);
            if (message !== undefined && !signal.aborted) for (const deliver of this.#deliver) deliverSafely(deliver, message);
          }
        }
        if (answer?.[0]?.[1].length === HISTORY) continue; // more is waiting
      } catch {
        // Redis answered with an error (the connection's own retries wait out an outage): try later.
      }
      historyRead();
      await sleep(READ_EVERY_MS, undefined, { signal }).catch(() => undefined);
    }
    historyRead();
  }
}

function deliverSafely(deliver: (message: unknown) => void, message: unknown): void {
  try {
    deliver(message);
  } catch {
    // One subscriber's failure does not keep the message from the others, nor the stream.
  }
}

/** The message of a stream entry; undefined for a malformed one. */
function messageOf(fields: string[]): unknown {
  const at = fields.indexOf("message");
  if (at < 0 || at % 2 !== 0) return undefined;
  try {
    return JSON.parse(fields[at + 1] ?? "");
  } catch {
    return undefined;
  }
}
