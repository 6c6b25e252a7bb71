/**
 * Benchmark 6: one corpus through `@sotaocr/queue` with 1, 2 and 4 worker processes on one Redis,
 * against an emulator that limits the key's active jobs and requests per second (and polls to one a
 * second per job), compared with the lower bound those limits allow and with a single in-process
 * `client.ocrMany()` on the same files.
 */
import { performance } from "node:perf_hooks";
import { SotaOcrClient } from "@sotaocr/core";
import { type Emulator, startEmulator } from "@sotaocr/emulator";
import { OcrQueue } from "@sotaocr/queue";
import { hasRedisServer, startRedis, type TestRedis } from "@sotaocr/test-support";
import { type ServiceChild, startModule } from "./lib/child-process.js";
import { syntheticPdf, tempDir, writeFixture } from "./lib/fixtures.js";
import { repoPath } from "./lib/paths.js";
import { type HeldSlot, type SlotIdle, slotIdle } from "./lib/slot-idle.js";
import { mean, median, quantile, round, sum } from "./lib/stats.js";
import type { BenchResult } from "./lib/summary.js";
import { printTable } from "./lib/table.js";
import { createTimedEngine } from "./lib/timed-engine.js";

/** A job seen this long after its end was looked at too early, or its first look waited a whole interval. */
const LATE_MS = 500;
/** The emulator's per-key limits (as in many-documents). */
const MAX_ACTIVE_JOBS = 8;
const REQUESTS_PER_SECOND = 20;
const MS_PER_PAGE = 500;
const pagesOf = (index: number) => 1 + (index % 4);
const WORKER_COUNTS = [1, 2, 4];
/**
 * Files each worker process has in flight: enough for one worker alone to fill the key's active
 * jobs while as many fetch their results (the workers hold 2 × maxActiveJobs files in all).
 */
const WORKER_CONCURRENCY = 2 * MAX_ACTIVE_JOBS;
/** `ocrMany`'s concurrency: twice the limit, which it must learn from 429s. */
const OCR_MANY_CONCURRENCY = 2 * MAX_ACTIVE_JOBS;

export interface QueueWorkersOptions {
  files?: number;
}

interface Run {
  label: string;
  workers: number;
  files: number;
  failures: number;
  wallMs: number;
  requests: number;
  status429: number;
  duplicateJobs: number;
  peakActiveJobs: number;
  shortestPollGapMs: number;
  /** Mean time from a job's end on the server to its result's answer reaching the client (ms): a file's slot is held meanwhile. */
  meanDeliveryMs: number;
  /** Mean time from a job's end on the server to the answer of the first look (poll or result) after it (ms): a job's active-job slot is held until then. */
  meanSeenMs: number;
  /** Sum over jobs of upload sent → end seen, over the active-job limit (ms): the wall time those slots alone allow. */
  slotBoundMs: number;
  /** Where the slots stood idle between the clock's start and end. */
  idle: SlotIdle;
}

export async function runQueueWorkers(options: QueueWorkersOptions = {}): Promise<BenchResult> {
  if (!hasRedisServer()) throw new Error("queue-workers needs Debian's redis-server: apt-get install -y redis-server");
  const count = options.files ?? Number(process.env.BENCH_QUEUE_FILES ?? 200);
  const files = await tempDir("queue");
  const redis = await startRedis();
  try {
    const paths: string[] = [];
    for (let i = 0; i < count; i++) {
      const pdf = syntheticPdf(pagesOf(i), MS_PER_PAGE, `queued file ${i}`);
      paths.push(await writeFixture(files.dir, `file-${String(i).padStart(3, "0")}.pdf`, pdf));
    }
    // As many-documents: K jobs at a time, each its pages × the page time; at least 2 requests per job.
    const serverMs = sum(paths.map((_, i) => pagesOf(i) * MS_PER_PAGE));
    const lowerBoundMs = Math.max(serverMs / MAX_ACTIVE_JOBS, (2 * count * 1000) / REQUESTS_PER_SECOND, 4 * MS_PER_PAGE);
    console.log(
      `queue-workers: ${count} files of 1–4 pages × ${MS_PER_PAGE} ms; limits ${MAX_ACTIVE_JOBS} active jobs and ${REQUESTS_PER_SECOND} requests/s per key, 1 poll/s per job; lower bound ${round(lowerBoundMs / 1000, 1)} s`,
    );

    const runs: Run[] = [];
    for (const workers of WORKER_COUNTS) {
      runs.push(
        await onEmulator(`queue, ${workers} worker process${workers > 1 ? "es" : ""}`, workers, count, (e) =>
          viaQueue(e, redis, paths, workers),
        ),
      );
    }
    runs.push(
      await onEmulator(`ocrMany in-process, concurrency ${OCR_MANY_CONCURRENCY}`, 0, count, async (emulator) => {
        const client = new SotaOcrClient({ baseUrl: emulator.url, apiKey: emulator.apiKey });
        const started = performance.now();
        let failures = 0;
        for await (const item of client.ocrMany(paths, { concurrency: OCR_MANY_CONCURRENCY })) if (item.error) failures++;
        return { failures, startedAt: started, wallMs: performance.now() - started };
      }),
    );

    printTable(
      runs.map((run) => ({
        path: run.label,
        files: run.files,
        failed: run.failures,
        wall_s: round(run.wallMs / 1000, 1),
        vs_bound: round(run.wallMs / lowerBoundMs, 2),
        files_per_s: round(run.files / (run.wallMs / 1000), 2),
        requests: run.requests,
        per_job: round(run.requests / run.files, 2),
        status_429: run.status429,
        dup_jobs: run.duplicateJobs,
        peak_active: run.peakActiveJobs,
        min_poll_gap_ms: Math.round(run.shortestPollGapMs),
        delivery_ms: Math.round(run.meanDeliveryMs),
        seen_ms: Math.round(run.meanSeenMs),
        slot_bound_s: round(run.slotBoundMs / 1000, 1),
      })),
    );
    const queued = runs.filter((run) => run.workers > 0);
    const inProcess = runs.find((run) => run.workers === 0) as Run;
    const byWorkers = (n: number) => queued.find((run) => run.workers === n) as Run;
    const { idle } = byWorkers(1);
    const worstRatio = Math.max(...queued.map((run) => run.wallMs / lowerBoundMs));
    const summary = {
      files: count,
      max_active_jobs: MAX_ACTIVE_JOBS,
      requests_per_second: REQUESTS_PER_SECOND,
      lower_bound_s: round(lowerBoundMs / 1000, 1),
      ratio_1_worker: byWorkers(1).wallMs / lowerBoundMs,
      ratio_2_workers: byWorkers(2).wallMs / lowerBoundMs,
      ratio_4_workers: byWorkers(4).wallMs / lowerBoundMs,
      ocr_many_ratio: inProcess.wallMs / lowerBoundMs,
      vs_ocr_many_4_workers: byWorkers(4).wallMs / inProcess.wallMs,
      failures: sum(runs.map((run) => run.failures)),
      duplicate_jobs: sum(queued.map((run) => run.duplicateJobs)),
      peak_active_jobs: Math.max(...queued.map((run) => run.peakActiveJobs)),
      status_429: sum(queued.map((run) => run.status429)),
      min_poll_gap_ms: Math.round(Math.min(...queued.map((run) => run.shortestPollGapMs))),
      delivery_ms_1_worker: Math.round(byWorkers(1).meanDeliveryMs),
      seen_ms_1_worker: Math.round(byWorkers(1).meanSeenMs),
      slot_bound_ratio_1_worker: byWorkers(1).slotBoundMs / lowerBoundMs,
      // Idle slot-seconds of the 1-worker run: start/between/tail/end.
      idle_slot_s_1_worker: [idle.startMs, idle.betweenMs, idle.tailMs, idle.endMs].map((ms) => round(ms / 1000, 1)).join("/"),
      goals_met: worstRatio <= 1.15 && sum(runs.map((run) => run.failures)) === 0,
    };
    return { name: "queue-workers", summary, details: { runs, lowerBoundMs, serverMs } };
  } finally {
    await redis.stop();
    await files.remove();
  }
}

/**
 * The files through a queue of their own and `workers` worker processes. The queue is paused while
 * files are added and workers start, so the clock runs from the moment every worker is ready and
 * the queue resumes to the last result read by the consumer (Node start-up is not counted).
 */
async function viaQueue(
  emulator: Emulator,
  redis: TestRedis,
  paths: string[],
  workers: number,
): Promise<{ failures: number; startedAt: number; wallMs: number }> {
  const name = `bench-${workers}`;
  const queue = new OcrQueue({ redis: redis.url, name });
  const children: ServiceChild<unknown, { completed: number }>[] = [];
  try {
    await queue.queue.pause();
    await queue.add(paths);
    const options = {
      redis: redis.url,
      name,
      client: { baseUrl: emulator.url, apiKey: emulator.apiKey },
      concurrency: WORKER_CONCURRENCY,
      maxActiveJobs: MAX_ACTIVE_JOBS,
      maxRequestsPerSecond: REQUESTS_PER_SECOND,
    };
    children.push(
      ...(await Promise.all(Array.from({ length: workers }, () => startModule<unknown, { completed: number }>(workerSource(options))))),
    );
    const started = performance.now();
    await queue.queue.resume();
    let failures = 0;
    let lastMs = started;
    for await (const item of queue.results({ pollIntervalMs: 100 })) {
      if (item.error) failures++;
      lastMs = performance.now();
    }
    const completed = await Promise.all(children.splice(0).map((child) => child.stop()));
    console.log(`${name}: files per worker ${completed.map((c) => c.completed).join(", ")}`);
    return { failures, startedAt: started, wallMs: lastMs - started };
  } finally {
    await Promise.all(children.map((child) => child.stop()));
    await queue.queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
  }
}

/** A worker process: prints `{}` when it takes files, and the files it finished on SIGTERM. */
function workerSource(options: object): string {
  return `
import { OcrWorker } from ${JSON.stringify(new URL("../packages/queue/dist/index.js", `file://${repoPath("bench/")}`).href)};
const worker = new OcrWorker(${JSON.stringify(options)});
let completed = 0;
worker.worker.on("completed", () => completed++);
process.once("SIGTERM", async () => {
  await worker.close();
  console.log(JSON.stringify({ completed }));
  process.exit(0);
});
await worker.ready();
console.log("{}");
`;
}

/** Runs one path on a fresh emulator (fresh limits, request log and peak), reading what it saw. */
async function onEmulator(
  label: string,
  workers: number,
  files: number,
  work: (emulator: Emulator) => Promise<{ failures: number; startedAt: number; wallMs: number }>,
): Promise<Run> {
  const engine = createTimedEngine(MS_PER_PAGE);
  const emulator = await startEmulator({
    engine,
    jobConcurrency: 64,
    maxActiveJobsPerKey: MAX_ACTIVE_JOBS,
    requestsPerSecond: REQUESTS_PER_SECOND,
    maxLogEntries: 100_000,
  });
  try {
    const { failures, startedAt, wallMs } = await work(emulator);
    const entries = emulator.log.entries;
    // SotaOCR jobs made per file (an upload refused with 429 makes none).
    const jobs = new Map<string, Set<string>>();
    for (const entry of entries) {
      if (entry.route === "extract" && entry.sha256 && entry.jobId)
        jobs.set(entry.sha256, (jobs.get(entry.sha256) ?? new Set()).add(entry.jobId));
    }
    let shortest = Number.POSITIVE_INFINITY;
    for (const id of new Set(entries.map((entry) => entry.jobId).filter((id) => id !== undefined))) {
      const times = emulator.log.pollTimes(id);
      for (let i = 1; i < times.length; i++) shortest = Math.min(shortest, (times[i] as number) - (times[i - 1] as number));
    }
    const delays: number[] = [];
    const seen: number[] = [];
    /** Jobs seen over LATE_MS after their end: when uploaded (ms from the clock's start) and their pages. */
    const late: { uploadMs: number; pages: number; lateMs: number }[] = [];
    const slots: number[] = [];
    const held: HeldSlot[] = [];
    for (const [jobId, timing] of engine.timings) {
      const fetched = entries.find((entry) => entry.route === "result" && entry.jobId === jobId && entry.status === 200);
      if (fetched && timing.completedAt !== undefined) delays.push(fetched.time + (fetched.durationMs ?? 0) - timing.completedAt);
      const completedAt = timing.completedAt;
      if (completedAt === undefined) continue;
      const look = entries.find(
        (entry) =>
          (entry.route === "job" || entry.route === "result") && entry.jobId === jobId && entry.status === 200 && entry.time >= completedAt,
      );
      const upload = entries.find(
        (entry) => entry.route === "extract" && entry.jobId === jobId && entry.status !== undefined && entry.status < 300,
      );
      if (!look) continue;
      const seenAt = look.time + (look.durationMs ?? 0);
      seen.push(seenAt - completedAt);
      if (upload) {
        if (seenAt - completedAt > LATE_MS)
          late.push({ uploadMs: upload.time - startedAt, pages: timing.pages, lateMs: seenAt - completedAt });
        slots.push(seenAt - upload.time);
        held.push({ uploadAt: upload.time, seenEndAt: seenAt });
      }
    }
    // Which requests were refused, to tell the per-key request rate and active-job limit from the poll rule.
    const refused = entries
      .filter((entry) => entry.status === 429)
      .map((entry) => `${entry.route ?? "unknown"}${entry.poll ? " (poll)" : ""}`);
    if (refused.length > 0) console.log(`${label}: 429 answers to ${refused.join(", ")}`);
    const idle = slotIdle(held, MAX_ACTIVE_JOBS, startedAt, startedAt + wallMs);
    console.log(describeIdle(label, idle, entries));
    console.log(`${label}: requests per job by its pages ${requestsByPages(engine.timings, entries)}`);
    console.log(describeLooks(label, seen, engine.timings, entries));
    late.sort((a, b) => a.uploadMs - b.uploadMs);
    if (late.length > 0) {
      const jobs = late.map((job) => `+${round(job.uploadMs / 1000, 1)} s ${job.pages}p ${Math.round(job.lateMs)} ms`);
      console.log(`${label}: seen over ${LATE_MS} ms late (uploaded at, pages, late by): ${jobs.join(", ")}`);
    }
    return {
      label,
      workers,
      files,
      failures,
      wallMs,
      requests: entries.length,
      status429: entries.filter((entry) => entry.status === 429).length,
      duplicateJobs: sum([...jobs.values()].map((ids) => ids.size - 1)),
      peakActiveJobs: emulator.peakActiveJobs(),
      shortestPollGapMs: shortest,
      meanDeliveryMs: mean(delays),
      meanSeenMs: mean(seen),
      slotBoundMs: sum(slots) / MAX_ACTIVE_JOBS,
      idle,
    };
  } finally {
    await emulator.close();
  }
}

/**
 * One line on the idle slots: slot-seconds by phase, then the refills (a slot seen free → the next
 * upload's arrival), in order and split by whether the request window was nearly full when the upload arrived.
 */
function describeIdle(label: string, idle: SlotIdle, entries: readonly { time: number }[]): string {
  const times = entries.map((entry) => entry.time).sort((a, b) => a - b);
  const inSecondBefore = (at: number) => countBetween(times, at - 1_000, at);
  const crowded: number[] = [];
  const clear: number[] = [];
  idle.refillGapsMs.forEach((gap, k) => {
    (inSecondBefore(idle.refillUploadsAt[k] as number) >= REQUESTS_PER_SECOND - 1 ? crowded : clear).push(gap);
  });
  const s = (ms: number) => round(ms / 1000, 1);
  const first = idle.firstUploadsMs;
  const thirds = (values: number[]) =>
    [0, 1, 2].map((k) => Math.round(mean(values.slice((k * values.length) / 3, ((k + 1) * values.length) / 3)))).join(" / ");
  const gaps = (values: number[]) =>
    `${values.length} × mean ${Math.round(mean(values))} / median ${Math.round(median(values))} / p90 ${Math.round(quantile(values, 0.9))} ms`;
  return (
    `${label}: idle slot-seconds start ${s(idle.startMs)} / between ${s(idle.betweenMs)} / tail ${s(idle.tailMs)} / end ${s(idle.endMs)}; ` +
    `first ${first.length} uploads at +${Math.round(first[0] ?? 0)}…+${Math.round(first.at(-1) ?? 0)} ms; ` +
    `refills ${gaps(idle.refillGapsMs)} (means by third of the run ${thirds(idle.refillGapsMs)}); with ≥ ${REQUESTS_PER_SECOND - 1} requests in the second before: ${gaps(crowded)}; fewer: ${gaps(clear)}`
  );
}

/**
 * One line on when jobs were seen to end: end → seen (the first answer after the end) in quantiles;
 * the jobs looked at before their end (a status poll planned whole intervals before it, or a look
 * that came too early), and those seen over 500 ms late (a look too early, then the next a second on).
 */
function describeLooks(
  label: string,
  seen: readonly number[],
  timings: ReadonlyMap<string, { completedAt: number | undefined }>,
  entries: readonly { jobId: string | undefined; route: string | undefined; time: number }[],
): string {
  const lookedEarly = [...timings].filter(([jobId, { completedAt }]) =>
    entries.some((entry) => entry.jobId === jobId && entry.route !== "extract" && entry.time < (completedAt ?? 0)),
  ).length;
  const ms = (q: number) => Math.round(quantile(seen, q));
  return `${label}: end → seen median ${ms(0.5)} / p10 ${ms(0.1)} / p90 ${ms(0.9)} ms; jobs looked at before their end ${lookedEarly}, seen over ${LATE_MS} ms after it ${seen.filter((value) => value > LATE_MS).length}`;
}

/** How many of the sorted `times` lie in [from, to). */
function countBetween(times: readonly number[], from: number, to: number): number {
  const firstAtOrAfter = (value: number) => {
    let low = 0;
    let high = times.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((times[mid] as number) < value) low = mid + 1;
      else high = mid;
    }
    return low;
  };
  return firstAtOrAfter(to) - firstAtOrAfter(from);
}

/** Mean requests per job (429s included) for each page count, as "1: 2.1, 2: 2.9, …". */
function requestsByPages(timings: ReadonlyMap<string, { pages: number }>, entries: readonly { jobId: string | undefined }[]): string {
  const perJob = new Map<string, number>();
  for (const { jobId } of entries) if (jobId !== undefined) perJob.set(jobId, (perJob.get(jobId) ?? 0) + 1);
  const byPages = new Map<number, number[]>();
  for (const [jobId, { pages }] of timings) byPages.set(pages, [...(byPages.get(pages) ?? []), perJob.get(jobId) ?? 0]);
  return [...byPages.entries()]
    .sort(([a], [b]) => a - b)
    .map(([pages, counts]) => `${pages}: ${round(mean(counts), 2)}`)
    .join(", ");
}
