import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Emulator, startEmulator } from "@sotaocr/emulator";
import { hasRedisServer, startRedis, type TestRedis } from "@sotaocr/test-support";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ActiveJobSlots } from "../src/active-jobs.js";
import { OcrQueue, OcrWorker, type OcrWorkerOptions, type QueueItem } from "../src/index.js";
import { requireRedisServer, writePdfs } from "./support.js";

// The key's active jobs counted in Redis (`ActiveJobSlots`), alone and under in-process workers
// that hold more files than the limit, against a real redis-server and the emulator.

let redis: TestRedis;
let dir: string;
let emulator: Emulator | undefined;
const closers: (() => unknown)[] = [];

beforeAll(async () => {
  requireRedisServer(hasRedisServer());
  redis = await startRedis();
  dir = await mkdtemp(join(tmpdir(), "sotaocr-queue-slots-"));
});

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await emulator?.close();
  emulator = undefined;
});

afterAll(async () => {
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

function connect(): Redis {
  const client = new Redis(redis.url, { maxRetriesPerRequest: null });
  closers.push(() => client.quit());
  return client;
}

/** Settles `promise` into a flag, to see whether it has resolved yet. */
function track<T>(promise: Promise<T>): { done: boolean; promise: Promise<T> } {
  const state = { done: false, promise };
  void promise.then(() => {
    state.done = true;
  });
  return state;
}

/** Resolves after the event loop had several turns and the slots' Redis retries several rounds. */
const rounds = () => new Promise((resolve) => setTimeout(resolve, 400));

describe("ActiveJobSlots", () => {
  it("two processes share the limit: a third holder waits until one is released; the same holder is let in again", async () => {
    const prefix = "bull:slots-share:";
    const a = new ActiveJobSlots(connect(), prefix, 2, 5_000);
    const b = new ActiveJobSlots(connect(), prefix, 2, 5_000);
    closers.push(async () => {
      a.close();
      b.close();
    });
    const first = await a.acquire("file-1");
    await b.acquire("file-2");
    const third = track(b.acquire("file-3"));
    // The file that holds a slot (resumed elsewhere) takes its own slot, not a new one.
    await b.acquire("file-1");
    await rounds();
    expect(third.done).toBe(false);
    expect(await connect().zcard(`${prefix}sotaocr-active-jobs`)).toBe(2);
    await first.release();
    await third.promise;
    expect((await connect().zrange(`${prefix}sotaocr-active-jobs`, 0, -1)).sort()).toEqual(["file-2", "file-3"]);
  });

  it("a file waiting in another process is woken by the release itself, not by its next retry", async () => {
    const prefix = "bull:slots-wake:";
    // Retries a minute apart: only the release can wake the waiting file within the test.
    const a = new ActiveJobSlots(connect(), prefix, 1, 5_000, 60_000);
    const b = new ActiveJobSlots(connect(), prefix, 1, 5_000, 60_000);
    closers.push(async () => {
      a.close();
      b.close();
    });
    const first = await a.acquire("file-1");
    const waiting = track(b.acquire("file-2"));
    await rounds();
    expect(waiting.done).toBe(false);
    await first.release();
    await Promise.race([waiting.promise, new Promise((resolve) => setTimeout(resolve, 5_000))]);
    expect(waiting.done).toBe(true);
    expect(await connect().zrange(`${prefix}sotaocr-active-jobs`, 0, -1)).toEqual(["file-2"]);
  });

  it("files waiting in two processes take freed slots in the order they first asked, not the order they hear of the release", async () => {
    const prefix = "bull:slots-line:";
    const a = new ActiveJobSlots(connect(), prefix, 1, 5_000);
    const b = new ActiveJobSlots(connect(), prefix, 1, 5_000);
    closers.push(async () => {
      a.close();
      b.close();
    });
    const taken: string[] = [];
    const wait = async (slots: ActiveJobSlots, holder: string) => {
      const slot = await slots.acquire(holder);
      taken.push(holder);
      return slot;
    };
    let held = await wait(a, "file-0");
    // In line: b's file first, then a's, then b's again. Each slot is released by the process that
    // holds it, which wakes its own waiting file at once; the other process hears of it a moment later.
    const waiting = [wait(b, "file-1")];
    await rounds();
    waiting.push(wait(a, "file-2"));
    await rounds();
    waiting.push(wait(b, "file-3"));
    await rounds();
    // Whichever gets the freed slot holds it next, so an order broken shows as such, not as a hang.
    const pending = new Map(waiting.map((promise, i) => [i, promise.then((slot) => ({ slot, i }))]));
    while (pending.size > 0) {
      await held.release();
      const next = await Promise.race(pending.values());
      pending.delete(next.i);
      held = next.slot;
    }
    expect(taken).toEqual(["file-0", "file-1", "file-2", "file-3"]);
  });

  it("a file stopped while waiting leaves the line: the file behind it takes the next slot at once", async () => {
    const prefix = "bull:slots-leave:";
    const slots = new ActiveJobSlots(connect(), prefix, 1, 5_000, 60_000);
    closers.push(() => slots.close());
    const held = await slots.acquire("file-0");
    const stop = new AbortController();
    const stopped = slots.acquire("file-1", stop.signal).catch((error: unknown) => error);
    await rounds();
    const behind = track(slots.acquire("file-2"));
    await rounds();
    stop.abort();
    expect(await stopped).toBeInstanceOf(Error);
    await held.release();
    // Retries a minute apart: only the release wakes file-2, and only a line without file-1 lets it in.
    await Promise.race([behind.promise, new Promise((resolve) => setTimeout(resolve, 2_000))]);
    expect(behind.done).toBe(true);
  });

  it("a place in line lapses when its file stops asking (its process died): the files behind it get in", async () => {
    const prefix = "bull:slots-place:";
    const redisClient = connect();
    // A waiter that asked first and then died: in line, its place lapsing 1.5 s from now.
    const now = Date.now();
    await redisClient.zadd(`${prefix}sotaocr-active-jobs:line`, 1, "dead-file");
    await redisClient.zadd(`${prefix}sotaocr-active-jobs:places`, now + 1_500, "dead-file");
    const slots = new ActiveJobSlots(redisClient, prefix, 1, 5_000);
    closers.push(() => slots.close());
    const behind = track(slots.acquire("live-file"));
    await rounds();
    expect(behind.done).toBe(false);
    await Promise.race([behind.promise, new Promise((resolve) => setTimeout(resolve, 4_000))]);
    expect(behind.done).toBe(true);
    expect(await redisClient.zrange(`${prefix}sotaocr-active-jobs:line`, 0, -1)).toEqual([]);
  });

  it("a holder that stops renewing without releasing (its process killed) loses its slot once the lease lapses", async () => {
    const prefix = "bull:slots-lapse:";
    const dead = new ActiveJobSlots(connect(), prefix, 1, 1_500);
    await dead.acquire("killed-file");
    const live = new ActiveJobSlots(connect(), prefix, 1, 1_500);
    closers.push(() => live.close());
    const waiting = track(live.acquire("next-file"));
    // While the holder renews, the slot stays taken well past one lease.
    for (let i = 0; i < 5; i++) await rounds();
    expect(waiting.done).toBe(false);
    dead.close(); // as SIGKILL: no more renewals, no release
    await waiting.promise;
    expect(await connect().zrange(`${prefix}sotaocr-active-jobs`, 0, -1)).toEqual(["next-file"]);
  });
});

describe("workers holding more files than the key's active jobs", () => {
  function startWorker(name: string, options: Partial<OcrWorkerOptions>): OcrWorker {
    const worker = new OcrWorker({
      redis: redis.url,
      name,
      client: { baseUrl: emulator?.url, apiKey: emulator?.apiKey },
      lockDurationMs: 2_000,
      stalledIntervalMs: 1_000,
      ...options,
    });
    closers.push(() => worker.close());
    return worker;
  }

  async function collect(queue: OcrQueue): Promise<QueueItem[]> {
    const items: QueueItem[] = [];
    for await (const item of queue.results({ pollIntervalMs: 100 })) items.push(item);
    return items;
  }

  it("two workers of concurrency 6 with maxActiveJobs 3: the server never sees more than 3 active jobs, and does see 3", async () => {
    // The emulator does not enforce a limit: it counts the peak the workers reached.
    emulator = await startEmulator({ engine: "synthetic", synthetic: { msPerPage: 300 }, jobConcurrency: 64 });
    const queue = new OcrQueue({ redis: redis.url, name: "slots-peak" });
    closers.push(() => queue.close());
    await queue.add(await writePdfs(join(dir, "peak"), 16, "peak"));
    let mostFilesInFlight = 0;
    for (let i = 0; i < 2; i++) {
      const worker = startWorker("slots-peak", { concurrency: 6, maxActiveJobs: 3 });
      worker.worker.on("active", () => {
        void queue.queue.getActiveCount().then((count) => {
          mostFilesInFlight = Math.max(mostFilesInFlight, count);
        });
      });
    }
    const items = await collect(queue);

    expect(items.filter((item) => item.error).map((item) => item.error?.message)).toEqual([]);
    expect(items.length).toBe(16);
    expect(emulator.peakActiveJobs()).toBeLessThanOrEqual(3);
    expect(emulator.peakActiveJobs()).toBe(3);
    // BullMQ let more files in than the server's limit (twice it): the slots, not BullMQ, kept it.
    expect(mostFilesInFlight).toBeGreaterThan(3);
    expect(emulator.log.entries.filter((entry) => entry.status === 429).length).toBe(0);
    expect(Object.values(emulator.log.uploadCountBySha256()).filter((count) => count !== 1)).toEqual([]);
    expect(await queue.status()).toMatchObject({ completed: 16, failed: 0, maxActiveJobs: 3 });
    // Every slot was given back.
    expect(await connect().zcard("bull:slots-peak:sotaocr-active-jobs")).toBe(0);
  }, 60_000);

  it("a slot left by a killed worker comes back after its lease: the files still finish", async () => {
    emulator = await startEmulator({ engine: "synthetic", synthetic: { msPerPage: 100 }, jobConcurrency: 64 });
    const queue = new OcrQueue({ redis: redis.url, name: "slots-killed" });
    closers.push(() => queue.close());
    // A worker's process took the only slot and was killed: no release, no renewal.
    const killed = new ActiveJobSlots(connect(), "bull:slots-killed:", 1, 2_000);
    await killed.acquire("file-of-a-killed-worker");
    killed.close();
    await queue.add(await writePdfs(join(dir, "killed"), 3, "killed"));
    startWorker("slots-killed", { concurrency: 2, maxActiveJobs: 1 });
    const items = await collect(queue);

    expect(items.filter((item) => item.error).map((item) => item.error?.message)).toEqual([]);
    expect(items.length).toBe(3);
    expect(emulator.peakActiveJobs()).toBe(1);
  }, 60_000);
});
