import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { PaceExchange } from "@sotaocr/core";
import type { Redis } from "ioredis";

/**
 * Evidence the stream keeps (its latest jobs'): a worker that starts later reads it first, so it
 * polls its first files as the workers that have run a while do (the pace needs two jobs that agree).
 */
const HISTORY = 16;
/** How long one read waits for news, in ms, before it asks again. */
const READ_BLOCK_MS = 10_000;
/** The pause after a failed read (Redis away) before the next, in ms. */
const RETRY_MS = 1_000;

/**
 * The key's pace shared by a queue's workers (core's `PaceExchange`): each completed job's evidence
 * goes into a capped Redis stream, and each worker follows the stream from its start, skipping its
 * own. Without it each worker process learns alone, and the jobs it polls before it has learnt
 * wait a full second after their upload (docs/benchmarks.md §6, item 11).
 */
export class RedisPaceExchange implements PaceExchange {
  readonly #id = randomUUID();
  readonly #redis: Redis;
  readonly #key: string;
  #reader: Redis | undefined;
  #closed = false;

  constructor(redis: Redis, key: string) {
    this.#redis = redis;
    this.#key = key;
  }

  publish(evidence: object): void {
    if (this.#closed) return;
    const fields = ["from", this.#id, "evidence", JSON.stringify(evidence)];
    // Lost evidence only slows others' learning: never the job's failure.
    this.#redis.xadd(this.#key, "MAXLEN", HISTORY, "*", ...fields).catch(() => undefined);
  }

  subscribe(learn: (evidence: unknown) => void): void {
    if (this.#reader || this.#closed) return;
    // A blocking read holds its connection: a connection of its own.
    const reader = this.#redis.duplicate();
    reader.on("error", () => undefined);
    this.#reader = reader;
    void this.#follow(reader, learn);
  }

  /** Stops following the stream; what is published afterwards is dropped. */
  close(): void {
    this.#closed = true;
    this.#reader?.disconnect();
  }

  async #follow(reader: Redis, learn: (evidence: unknown) => void): Promise<void> {
    // From the stream's start: its history first, then each entry as it comes, none twice (one that
    // lags behind a burst of more than HISTORY misses the oldest of it: the pace needs the latest).
    let lastId = "0-0";
    while (!this.#closed) {
      try {
        const answer = await reader.xread("COUNT", HISTORY, "BLOCK", READ_BLOCK_MS, "STREAMS", this.#key, lastId);
        for (const [, entries] of answer ?? []) {
          for (const [id, fields] of entries) {
            lastId = id;
            const evidence = this.#othersEvidence(fields);
            if (evidence !== undefined) learn(evidence);
          }
        }
      } catch {
        if (!this.#closed) await sleep(RETRY_MS);
      }
    }
  }

  /** The evidence of an entry another worker added; undefined for this worker's own, or a malformed one. */
  #othersEvidence(fields: string[]): unknown {
    const entry = new Map<string, string>();
    for (let i = 0; i + 1 < fields.length; i += 2) entry.set(fields[i] as string, fields[i + 1] as string);
    const from = entry.get("from");
    if (from === undefined || from === this.#id) return undefined;
    try {
      return JSON.parse(entry.get("evidence") ?? "");
    } catch {
      return undefined;
    }
  }
}
