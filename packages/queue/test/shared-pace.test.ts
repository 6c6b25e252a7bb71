import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { type Emulator, startEmulator } from "@sotaocr/emulator";
import { hasRedisServer, makePdf, startRedis, type TestRedis } from "@sotaocr/test-support";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { OcrQueue, OcrWorker, type QueueItem } from "../src/index.js";
import { RedisPaceExchange } from "../src/shared-pace.js";
import { requireRedisServer } from "./support.js";

// The key's pace shared by a queue's workers through Redis: what one worker's jobs showed reaches
// the others, and workers that start later; a new worker polls its first short file just after
// its end instead of a second after its upload.

let redis: TestRedis;
const closers: (() => unknown)[] = [];

beforeAll(async () => {
  requireRedisServer(hasRedisServer());
  redis = await startRedis();
});
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});
afterAll(async () => {
  await redis?.stop();
});

function connect(): Redis {
  // As the worker's own connection: commands wait while Redis is away.
  const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
  connection.on("error", () => undefined);
  closers.push(() => connection.disconnect());
  return connection;
}

/** An exchange on its own connection, as each worker has, and what it delivered. */
function exchangeOn(key: string) {
  const exchange = new RedisPaceExchange(connect(), key);
  closers.push(() => exchange.close());
  const delivered: unknown[] = [];
  return { exchange, delivered, follow: () => exchange.subscribe((message) => delivered.push(message)) };
}

async function until(done: () => boolean, what: string): Promise<void> {
  for (const started = Date.now(); !done(); await sleep(10)) {
    if (Date.now() - started > 5_000) throw new Error(`timed out waiting for ${what}`);
  }
}

const jobs = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => ({ job: from + i }));

describe("RedisPaceExchange", () => {
  it("delivers every message to every worker following the stream, in order and once; a later one gets the latest 16 first", async () => {
    const a = exchangeOn("pace-a");
    const b = exchangeOn("pace-a");
    a.follow();
    b.follow();
    await Promise.all([a.exchange.historyRead(), b.exchange.historyRead()]);
    for (let i = 0; i < 3; i++) await a.exchange.publish({ job: i });
    // Not messages: skipped, and the entries after them still arrive.
    await connect().xadd("pace-a", "*", "message", "{not json");
    await connect().xadd("pace-a", "*", "note", "no message");
    // One at a time: the stream keeps 16, so a follower that lags behind a burst misses the oldest.
    for (let i = 3; i < 20; i++) {
      await b.exchange.publish({ job: i });
      await until(() => a.delivered.length === i + 1 && b.delivered.length === i + 1, `message ${i}`);
    }
    // Each worker gets its own messages too: the client drops them (core's sharedPaceMemory).
    expect(a.delivered).toEqual(jobs(0, 20));
    expect(b.delivered).toEqual(jobs(0, 20));

    const late = exchangeOn("pace-a");
    late.follow();
    await late.exchange.historyRead();
    expect(late.delivered).toEqual(jobs(4, 20));
    const other = exchangeOn("pace-other");
    other.follow();
    await other.exchange.historyRead();
    expect(other.delivered).toEqual([]);
    // A queue nobody writes to for 15 minutes forgets its pace.
    expect(await connect().pttl("pace-a")).toBeGreaterThan(14 * 60_000);
  });

  it("once closed, delivers and publishes nothing more", async () => {
    const a = exchangeOn("pace-closed");
    const b = exchangeOn("pace-closed");
    b.follow();
    await a.exchange.publish({ job: 1 });
    await until(() => b.delivered.length === 1, "the first message");
    b.exchange.close();
    await a.exchange.publish({ job: 2 });
    a.exchange.close();
    await a.exchange.publish({ job: 3 });
    await sleep(600);
    expect(b.delivered).toEqual([{ job: 1 }]);
    expect(await connect().xlen("pace-closed")).toBe(2);
  });

  it("goes on following across a Redis restart, none twice", async () => {
    const a = exchangeOn("pace-restart");
    const b = exchangeOn("pace-restart");
    b.follow();
    await a.exchange.publish({ job: 1 });
    await until(() => b.delivered.length === 1, "the first message");
    await redis.restart();
    await a.exchange.publish({ job: 2 });
    await until(() => b.delivered.length >= 2, "the message after the restart");
    await sleep(600);
    expect(b.delivered).toEqual([{ job: 1 }, { job: 2 }]);
  }, 30_000);
});

describe("workers of one queue", () => {
  let emulator: Emulator;
  let dir: string;
  beforeAll(async () => {
    emulator = await startEmulator({ engine: "synthetic", synthetic: { msPerPage: 300 } });
    dir = await mkdtemp(join(tmpdir(), "sotaocr-pace-"));
  });
  afterAll(async () => {
    await emulator?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Runs `files` (page counts) through a new worker of queue `name`, one at a time; their SotaOCR job ids. */
  async function runWorker(name: string, label: string, files: number[]): Promise<string[]> {
    const queue = new OcrQueue({ redis: redis.url, name });
    closers.push(() => queue.close());
    const inputs = files.map((pages, i) => makePdf(Array.from({ length: pages }, (_, page) => `${label} ${i} page ${page + 1}`)));
    const paths = await Promise.all(
      inputs.map(async (bytes, i) => {
        const path = join(dir, `${name}-${label}-${i}.pdf`);
        await writeFile(path, bytes);
        return path;
      }),
    );
    const worker = new OcrWorker({ redis: redis.url, name, concurrency: 1, client: { baseUrl: emulator.url, apiKey: emulator.apiKey } });
    await queue.add(paths, { order: "as-added" });
    // The queue's results include earlier runs': this run's, in the order added.
    const items = new Map<string, QueueItem>();
    for await (const item of queue.results({ follow: true, pollIntervalMs: 50 })) {
      if (paths.includes(item.source)) items.set(item.source, item);
      if (items.size === paths.length) break;
    }
    await worker.close();
    const ours = paths.map((path) => items.get(path));
    expect(ours.map((item) => item?.error)).toEqual(files.map(() => undefined));
    return ours.map((item) => item?.result?.jobId ?? "");
  }

  const firstLookOf = (jobId: string) => emulator.log.looksAfterUpload(jobId)[0]?.sinceUpload ?? Number.POSITIVE_INFINITY;

  it("a worker started after another finished looks at its first short file just after its end, from the other's jobs", async () => {
    await runWorker("paced", "teach", [2, 3, 1, 2, 4, 3]);
    const [shared] = await runWorker("paced", "learn", [1]);
    // A worker of another queue has no history to learn from: a full interval after its upload.
    const [alone] = await runWorker("unpaced", "alone", [1]);
    // A first look that asks for the result: only a client that knows the key's pace does that.
    const looks = emulator.log.looksAfterUpload(shared ?? "");
    expect(looks[0]?.route).toBe("result");
    expect(firstLookOf(shared ?? "")).toBeLessThan(800);
    expect(firstLookOf(alone ?? "")).toBeGreaterThanOrEqual(950);
    expect(emulator.log.entries.filter((entry) => entry.status === 429)).toEqual([]);
  }, 60_000);
});
