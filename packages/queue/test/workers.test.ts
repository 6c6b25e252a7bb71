import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Emulator, type RequestLogEntry, startEmulator } from "@sotaocr/emulator";
import { hasRedisServer, startRedis, type TestRedis } from "@sotaocr/test-support";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { OcrQueue, type OcrWorkerOptions, type QueueItem } from "../src/index.js";
import { requireRedisServer, startWorkerProcess, type WorkerProcess, writePdfs } from "./support.js";

// Worker processes (the built package: run `pnpm build` first) against a real redis-server and the
// emulator. Asserts on what the emulator saw: uploads, jobs, polls, the peak of active jobs.

let dir: string;
let redis: TestRedis | undefined;
let emulator: Emulator | undefined;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  requireRedisServer(hasRedisServer());
  dir = await mkdtemp(join(tmpdir(), "sotaocr-queue-test-"));
});

afterEach(async () => {
  for (const worker of workers.splice(0)) {
    worker.child.kill("SIGKILL");
    await worker.exited;
  }
  await emulator?.close();
  emulator = undefined;
  await redis?.stop();
  redis = undefined;
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function workerOptions(extra: Partial<OcrWorkerOptions> = {}): OcrWorkerOptions {
  return {
    redis: redis?.url,
    client: { baseUrl: emulator?.url, apiKey: emulator?.apiKey },
    concurrency: 8,
    lockDurationMs: 2_000,
    stalledIntervalMs: 1_000,
    ...extra,
  };
}

function spawnWorker(extra: Partial<OcrWorkerOptions> = {}): WorkerProcess {
  const worker = startWorkerProcess(workerOptions(extra));
  workers.push(worker);
  return worker;
}

async function collect(queue: OcrQueue): Promise<QueueItem[]> {
  const items: QueueItem[] = [];
  for await (const item of queue.results({ pollIntervalMs: 200 })) items.push(item);
  return items;
}

/** SotaOCR jobs the emulator created, by the uploaded file's SHA-256. */
function jobsBySha256(entries: readonly RequestLogEntry[]): Map<string, Set<string>> {
  const jobs = new Map<string, Set<string>>();
  for (const entry of entries) {
    if (entry.route !== "extract" || !entry.sha256 || !entry.jobId) continue;
    jobs.set(entry.sha256, (jobs.get(entry.sha256) ?? new Set()).add(entry.jobId));
  }
  return jobs;
}

/** The shortest time between two polls of one job, over every job. */
function shortestPollGap(emulator: Emulator): number {
  let shortest = Number.POSITIVE_INFINITY;
  const jobIds = new Set(emulator.log.entries.map((entry) => entry.jobId).filter((id) => id !== undefined));
  for (const id of jobIds) {
    const times = emulator.log.pollTimes(id);
    for (let i = 1; i < times.length; i++) shortest = Math.min(shortest, (times[i] as number) - (times[i - 1] as number));
  }
  return shortest;
}

describe("OcrWorker processes on one queue", () => {
  it("3 workers, 200 files: none lost, one upload each, never over the active-job or request limits, no poll under 1 s", async () => {
    redis = await startRedis();
    // No active-job limit enforced by the emulator: it counts the peak the workers reached.
    emulator = await startEmulator({ engine: "synthetic", synthetic: { msPerPage: 100 }, jobConcurrency: 64, requestsPerSecond: 60 });
    const paths = await writePdfs(join(dir, "many"), 200);
    const queue = new OcrQueue({ redis: redis.url, name: "many" });
    try {
      const added = await queue.add(paths);
      expect(added.map((file) => file.outcome)).toEqual(paths.map(() => "added"));
      // Adding again is a no-op: same bytes and options, same queue job.
      expect((await queue.add(paths.slice(0, 3))).map((file) => [file.id, file.outcome])).toEqual(
        added.slice(0, 3).map((file) => [file.id, "queued"]),
      );
      // 40 a second against the emulator's 60: the margin covers a loaded machine's lag between a
      // grant in Redis and the request's arrival (at 50, a run at load 10 met the server's limit).
      for (let i = 0; i < 3; i++) spawnWorker({ name: "many", maxActiveJobs: 16, maxRequestsPerSecond: 40 });
      const items = await collect(queue);

      expect(items.filter((item) => item.error).map((item) => item.error?.message)).toEqual([]);
      expect(new Set(items.map((item) => item.id)).size).toBe(200);
      expect(items.map((item) => item.result?.file.source).sort()).toEqual([...paths].sort());
      const uploads = emulator.log.uploadCountBySha256();
      expect(Object.keys(uploads).length).toBe(200);
      expect(Object.values(uploads).filter((count) => count !== 1)).toEqual([]);
      expect(emulator.peakActiveJobs()).toBeLessThanOrEqual(16);
      expect(emulator.log.entries.filter((entry) => entry.status === 429).map((entry) => entry.route)).toEqual([]);
      expect(shortestPollGap(emulator)).toBeGreaterThanOrEqual(1000);
      expect(await queue.status()).toMatchObject({ waiting: 0, active: 0, completed: 200, failed: 0, maxActiveJobs: 16 });
    } finally {
      await queue.close();
    }
  }, 120_000);

  it("workers killed mid-poll and mid-upload: their files finish on other workers, one SotaOCR job each", async () => {
    redis = await startRedis();
    // A third of the uploads are answered 2.5 s late (the job already exists): a worker killed then
    // never learnt its job, the next one re-sends the upload with the same Idempotency-Key.
    emulator = await startEmulator({
      engine: "synthetic",
      synthetic: { msPerPage: 400 },
      jobConcurrency: 64,
      faults: { slow: 0.34, slowMs: 2_500, routes: ["extract"], seed: 7 },
    });
    const paths = await writePdfs(join(dir, "kill"), 24, "kill");
    const queue = new OcrQueue({ redis: redis.url, name: "kill" });
    try {
      await queue.add(paths);
      const first = spawnWorker({ name: "kill", concurrency: 4 });
      const second = spawnWorker({ name: "kill", concurrency: 4 });
      const log = emulator.log;
      // Both kills happen while the killed workers have SotaOCR jobs being polled and uploads unanswered.
      for (
        let entries = log.entries;
        !(
          entries.some((entry) => entry.poll) &&
          entries.some((entry) => entry.route === "extract" && entry.jobId && entry.status === undefined)
        );
        entries = log.entries
      ) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      first.child.kill("SIGKILL");
      second.child.kill("SIGKILL");
      await Promise.all([first.exited, second.exited]);
      const rescuer = spawnWorker({ name: "kill", concurrency: 8 });
      const items = await collect(queue);

      expect(items.filter((item) => item.error).map((item) => item.error?.message)).toEqual([]);
      expect(items.length).toBe(24);
      const jobs = jobsBySha256(log.entries);
      expect(jobs.size).toBe(24);
      expect([...jobs.values()].filter((ids) => ids.size !== 1).length).toBe(0);
      // The upload a killed worker never heard back about was sent again, and answered with the same job.
      expect(Object.values(log.uploadCountBySha256()).some((count) => count >= 2)).toBe(true);
      // The rescuer resumed files the killed workers had uploaded (their SotaOCR job saved).
      expect(rescuer.lines.some((line) => /^active \S+ job_/.test(line))).toBe(true);
      expect(shortestPollGap(emulator)).toBeGreaterThanOrEqual(1000);
      expect(log.entries.filter((entry) => entry.status === 429).map((entry) => entry.route)).toEqual([]);
    } finally {
      await queue.close();
    }
  }, 90_000);

  it("Redis restarted mid-run (with its data on disk): the run completes, one SotaOCR job per file", async () => {
    redis = await startRedis({ persist: true });
    emulator = await startEmulator({ engine: "synthetic", synthetic: { msPerPage: 200 }, jobConcurrency: 64 });
    const paths = await writePdfs(join(dir, "restart"), 30, "restart");
    const queue = new OcrQueue({ redis: redis.url, name: "restart" });
    try {
      await queue.add(paths);
      spawnWorker({ name: "restart", maxActiveJobs: 6 });
      spawnWorker({ name: "restart", maxActiveJobs: 6 });
      const items: QueueItem[] = [];
      for await (const item of queue.results({ pollIntervalMs: 200 })) {
        items.push(item);
        if (items.length === 5) await redis.restart();
      }
      expect(items.filter((item) => item.error).map((item) => item.error?.message)).toEqual([]);
      expect(new Set(items.map((item) => item.id)).size).toBe(30);
      const jobs = jobsBySha256(emulator.log.entries);
      expect(jobs.size).toBe(30);
      expect([...jobs.values()].filter((ids) => ids.size !== 1).length).toBe(0);
    } finally {
      await queue.close();
    }
  }, 90_000);
});
