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
  const connection = new Redis(redis.url);
  closers.push(() => connection.quit());
  return connection;
}

/** An exchange on its own connection, as each worker has, and what it was given. */
function exchangeOn(key: string) {
  const exchange = new RedisPaceExchange(connect(), key);
  closers.push(() => exchange.close());
  const learnt: unknown[] = [];
  return { exchange, learnt, follow: () => exchange.subscribe((evidence) => learnt.push(evidence)) };
}

async function until(done: () => boolean, what: string): Promise<void> {
  for (const started = Date.now(); !done(); await sleep(10)) {
    if (Date.now() - started > 5_000) throw new Error(`timed out waiting for ${what}`);
  }
}

describe("RedisPaceExchange", () => {
  it("gives each worker the others' evidence as it comes, once, not its own; a later one gets the latest 16 first, oldest first", async () => {
    const a = exchangeOn("pace-a");
    const b = exchangeOn("pace-a");
    a.follow();
    b.follow();
    for (let i = 0; i < 3; i++) a.exchange.publish({ job: i });
    b.exchange.publish({ job: "b" });
    await until(() => b.learnt.length === 3 && a.learnt.length === 1, "the evidence to arrive");
    // Not in the stream's shape: skipped, and the entries after them still arrive.
    await connect().xadd("pace-a", "*", "from", "someone", "evidence", "{not json");
    await connect().xadd("pace-a", "*", "note", "no sender");
    // One at a time: the stream keeps 16, so a follower that lags behind a burst misses the oldest.
    for (let i = 3; i < 20; i++) {
      a.exchange.publish({ job: i });
      await until(() => b.learnt.length === i + 1, `evidence ${i}`);
    }
    expect(a.learnt).toEqual([{ job: "b" }]);
    expect(b.learnt).toEqual(Array.from({ length: 20 }, (_, job) => ({ job })));

    const late = exchangeOn("pace-a");
    late.follow();
    await until(() => late.learnt.length === 16, "the late worker's history");
    expect(late.learnt).toEqual(Array.from({ length: 16 }, (_, i) => ({ job: 4 + i })));
    const other = exchangeOn("pace-other");
    other.follow();
    await sleep(100);
    expect(other.learnt).toEqual([]);
  });

  it("once closed, publishes nothing and stops following", async () => {
    const a = exchangeOn("pace-closed");
    const b = exchangeOn("pace-closed");
    b.follow();
    b.exchange.close();
    a.exchange.publish({ job: 1 });
    a.exchange.close();
    a.exchange.publish({ job: 2 });
    await sleep(200);
    expect(b.learnt).toEqual([]);
    expect(await connect().xlen("pace-closed")).toBe(1);
  });
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
    await sleep(300);
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

  const firstLookOf = (jobId: string) => {
    const entries = emulator.log.entries.filter((entry) => entry.jobId === jobId);
    const upload = entries.find((entry) => entry.route === "extract");
    const look = entries.find((entry) => entry.route !== "extract");
    return (look?.time ?? Number.POSITIVE_INFINITY) - ((upload?.time ?? 0) + (upload?.durationMs ?? 0));
  };

  it("a worker started after another finished looks at its first short file just after its end, from the other's jobs", async () => {
    await runWorker("paced", "teach", [2, 3, 1, 2, 4, 3]);
    const [shared] = await runWorker("paced", "learn", [1]);
    // A worker of another queue has no history to learn from: a full interval after its upload.
    const [alone] = await runWorker("unpaced", "alone", [1]);
    expect(firstLookOf(shared ?? "")).toBeLessThan(800);
    expect(firstLookOf(alone ?? "")).toBeGreaterThanOrEqual(950);
    expect(emulator.log.entries.filter((entry) => entry.status === 429)).toEqual([]);
  }, 60_000);
});
