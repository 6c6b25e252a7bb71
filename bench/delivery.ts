/**
 * Benchmark 1: how soon `ocr()` returns after the job completes on the server, and how many
 * requests it takes, against the fixed-1-s polling of common loaders. Jobs of 2–60 s with page
 * progress run side by side on one in-process emulator, so both clocks are the same.
 */
import { performance } from "node:perf_hooks";
import { type Emulator, startEmulator } from "@sotaocr/emulator";
import { fixedIntervalOcr } from "./lib/fixed-interval-ocr.js";
import { syntheticPdf, tempDir, writeFixture } from "./lib/fixtures.js";
import { distUrl } from "./lib/paths.js";
import { median, quantile, round, sum } from "./lib/stats.js";
import type { BenchResult } from "./lib/summary.js";
import { printTable } from "./lib/table.js";
import { createTimedEngine, type JobTiming } from "./lib/timed-engine.js";

interface JobSpec {
  pages: number;
  msPerPage: number;
}

type Waiter = "sotaocr" | "baseline";

interface JobRun extends JobSpec {
  waiter: Waiter;
  jobId: string;
  returnedAt: number;
}

/** Server times spread evenly on a log scale from 2 s to 60 s; page counts 3–40 mixed across them. */
export function deliveryJobs(count: number): JobSpec[] {
  return Array.from({ length: count }, (_, i) => {
    const serverMs = 2_000 * 30 ** (i / (count - 1));
    const pages = 3 + ((i * 17) % 38);
    return { pages, msPerPage: Math.round(serverMs / pages) };
  });
}

/** Jobs with at least this much server time are "long": there the baseline's once-a-second polls add up. */
const LONG_JOB_MS = 20_000;

export async function runDelivery(options: { jobs?: number } = {}): Promise<BenchResult> {
  const specs = deliveryJobs(options.jobs ?? 40);
  // The client as built (or the build BENCH_CORE_DIST names, to measure an older scheduler).
  const { SotaOcrClient } = (await import(distUrl("core"))) as typeof import("@sotaocr/core");
  const engine = createTimedEngine();
  const emulator = await startEmulator({ engine, jobConcurrency: specs.length * 2 });
  const files = await tempDir("delivery");
  try {
    const paths = await Promise.all(
      specs.map((spec, i) => writeFixture(files.dir, `job-${i}.pdf`, syntheticPdf(spec.pages, spec.msPerPage, `job ${i}`))),
    );
    const client = () => new SotaOcrClient({ baseUrl: emulator.url, apiKey: emulator.apiKey });
    const ours = client();
    const baseline = client();
    console.log(`delivery: ${specs.length} jobs × 2 waiters (ocr() and fixed 1 s polling), all at once`);
    const runs = await Promise.all(
      specs.flatMap((spec, i) => {
        const path = paths[i] as string;
        return [
          timed("sotaocr", spec, async () => (await ours.ocr(path)).jobId),
          timed("baseline", spec, async () => (await fixedIntervalOcr(baseline, path)).jobId),
        ];
      }),
    );
    return summarize(runs, engine.timings, emulator);
  } finally {
    await emulator.close();
    await files.remove();
  }
}

async function timed(waiter: Waiter, spec: JobSpec, work: () => Promise<string>): Promise<JobRun> {
  const jobId = await work();
  return { ...spec, waiter, jobId, returnedAt: performance.now() };
}

function summarize(runs: JobRun[], timings: ReadonlyMap<string, JobTiming>, emulator: Emulator): BenchResult {
  const entries = emulator.log.entries;
  const rows = runs.map((run) => {
    const timing = timings.get(run.jobId);
    if (timing?.completedAt === undefined) throw new Error(`No completion time for job ${run.jobId}.`);
    const mine = entries.filter((entry) => entry.jobId === run.jobId);
    return {
      waiter: run.waiter,
      pages: run.pages,
      serverMs: Math.round(timing.completedAt - timing.startedAt),
      delayMs: run.returnedAt - timing.completedAt,
      requests: mine.length,
      polls: mine.filter((entry) => entry.poll).length,
    };
  });
  const of = (waiter: Waiter) => rows.filter((row) => row.waiter === waiter);
  const ours = of("sotaocr");
  const base = of("baseline");
  printTable(
    ours.map((row, i) => {
      const other = base[i] as (typeof base)[number];
      return {
        pages: row.pages,
        server_s: round(row.serverMs / 1000, 1),
        delay_ms: Math.round(row.delayMs),
        baseline_delay_ms: Math.round(other.delayMs),
        polls: row.polls,
        baseline_polls: other.polls,
        requests: row.requests,
        baseline_requests: other.requests,
      };
    }),
  );
  const delays = (list: typeof rows) => list.map((row) => row.delayMs);
  const long = (list: typeof rows) => list.filter((row) => row.serverMs >= LONG_JOB_MS);
  const polls = (list: typeof rows) => sum(list.map((row) => row.polls));
  const requests = (list: typeof rows) => sum(list.map((row) => row.requests));
  const tooMany = entries.filter((entry) => entry.status === 429).length;
  const medianRatio = median(delays(ours)) / median(delays(base));
  const p95 = quantile(delays(ours), 0.95);
  const longPollRatio = polls(long(ours)) / polls(long(base));
  const summary = {
    jobs: ours.length,
    median_ratio: medianRatio,
    median_ms: Math.round(median(delays(ours))),
    baseline_median_ms: Math.round(median(delays(base))),
    p95_ms: Math.round(p95),
    baseline_p95_ms: Math.round(quantile(delays(base), 0.95)),
    max_ms: Math.round(Math.max(...delays(ours))),
    requests_per_job: round(requests(ours) / ours.length, 2),
    baseline_requests_per_job: round(requests(base) / base.length, 2),
    long_jobs: long(ours).length,
    long_poll_ratio: longPollRatio,
    status_429: tooMany,
    goals_met: medianRatio <= 0.5 && p95 < 600 && longPollRatio < 1 && tooMany === 0,
  };
  return { name: "delivery", summary, details: { rows } };
}
