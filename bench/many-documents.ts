/**
 * Benchmark 2: 200 small files through `SotaOcrLoader` (an array, `concurrency` files in flight)
 * and through LangChain's `DirectoryLoader` (one `SotaOcrLoader` per file, one after another),
 * on an emulator that limits each key's active jobs and requests per second. The concurrent path
 * is compared with the lower bound the server's limits allow, and with the sequential path.
 */
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { DirectoryLoader } from "@langchain/classic/document_loaders/fs/directory";
import { type Emulator, startEmulator } from "@sotaocr/emulator";
import { SotaOcrLoader } from "@sotaocr/langchain";
import { syntheticPdf, tempDir, writeFixture } from "./lib/fixtures.js";
import { round, sum } from "./lib/stats.js";
import type { BenchResult } from "./lib/summary.js";
import { printTable } from "./lib/table.js";
import { createTimedEngine } from "./lib/timed-engine.js";

/** The emulator's per-key limits. */
export const MAX_ACTIVE_JOBS = 8;
export const REQUESTS_PER_SECOND = 20;
const MS_PER_PAGE = 500;
/** Small files: 1 to 4 pages, so a job takes 0.5–2 s on the server. */
const pagesOf = (index: number) => 1 + (index % 4);

export interface ManyDocumentsOptions {
  files?: number;
  /** Files the sequential path loads (its time per file is projected to all of them). */
  sequentialFiles?: number;
}

interface PathRun {
  label: string;
  files: number;
  concurrency: number;
  documents: number;
  failures: number;
  wallMs: number;
  requests: number;
  status429: number;
  uploads429: number;
}

export async function runManyDocuments(options: ManyDocumentsOptions = {}): Promise<BenchResult> {
  const count = options.files ?? 200;
  const sequentialCount = Math.min(count, options.sequentialFiles ?? Number(process.env.BENCH_SEQUENTIAL_FILES ?? 20));
  const files = await tempDir("many");
  try {
    const sample = join(files.dir, "sample");
    const paths: string[] = [];
    for (let i = 0; i < count; i++) {
      const pdf = syntheticPdf(pagesOf(i), MS_PER_PAGE, `file ${i}`);
      paths.push(await writeFixture(files.dir, `all/file-${String(i).padStart(3, "0")}.pdf`, pdf));
      if (i < sequentialCount) await writeFixture(files.dir, `sample/file-${String(i).padStart(3, "0")}.pdf`, pdf);
    }
    // The bound: K jobs at a time, each taking its pages × per-page time; and at least 2 requests per job (upload, result).
    const serverMs = sum(paths.map((_, i) => pagesOf(i) * MS_PER_PAGE));
    const lowerBoundMs = Math.max(serverMs / MAX_ACTIVE_JOBS, (2 * count * 1000) / REQUESTS_PER_SECOND, 4 * MS_PER_PAGE);
    console.log(
      `many-documents: ${count} files of 1–4 pages × ${MS_PER_PAGE} ms; limits ${MAX_ACTIVE_JOBS} active jobs and ${REQUESTS_PER_SECOND} requests/s per key; lower bound ${round(lowerBoundMs / 1000, 1)} s`,
    );

    const runs: PathRun[] = [];
    for (const concurrency of [MAX_ACTIVE_JOBS, 2 * MAX_ACTIVE_JOBS]) {
      runs.push(
        await onEmulator(`SotaOcrLoader concurrency=${concurrency}`, count, concurrency, async (emulator) => {
          const loader = new SotaOcrLoader(paths, { baseUrl: emulator.url, apiKey: emulator.apiKey, concurrency, onError: "skip" });
          const documents = await loader.load();
          return {
            documents: documents.length,
            failures: loader.failures.length,
            failureMessages: loader.failures.map((f) => f.error.message),
          };
        }),
      );
    }
    runs.push(
      await onEmulator("DirectoryLoader (sequential)", sequentialCount, 1, async (emulator) => {
        const loader = new DirectoryLoader(sample, {
          ".pdf": (path: string) => new SotaOcrLoader(path, { baseUrl: emulator.url, apiKey: emulator.apiKey }),
        });
        const documents = await loader.load();
        return { documents: documents.length, failures: sequentialCount - new Set(documents.map((d) => d.metadata.source)).size };
      }),
    );

    printTable(
      runs.map((run) => ({
        path: run.label,
        files: run.files,
        documents: run.documents,
        failures: run.failures,
        wall_s: round(run.wallMs / 1000, 1),
        per_file_ms: Math.round(run.wallMs / run.files),
        requests: run.requests,
        status_429: run.status429,
        uploads_429: run.uploads429,
      })),
    );
    const [atK, atTwiceK, sequential] = runs as [PathRun, PathRun, PathRun];
    const best = [atK, atTwiceK].filter((run) => run.failures === 0).sort((a, b) => a.wallMs - b.wallMs)[0] ?? atK;
    const sequentialProjectedMs = (sequential.wallMs / sequential.files) * count;
    const ratio = best.wallMs / lowerBoundMs;
    const summary = {
      files: count,
      max_active_jobs: MAX_ACTIVE_JOBS,
      requests_per_second: REQUESTS_PER_SECOND,
      lower_bound_s: round(lowerBoundMs / 1000, 1),
      best_concurrency: best.concurrency,
      wall_s: round(best.wallMs / 1000, 1),
      lower_bound_ratio: ratio,
      ratio_at_k: atK.wallMs / lowerBoundMs,
      ratio_at_2k: atTwiceK.wallMs / lowerBoundMs,
      failures_at_2k: atTwiceK.failures,
      sequential_files: sequential.files,
      sequential_projected_s: round(sequentialProjectedMs / 1000, 1),
      speedup_vs_sequential: sequentialProjectedMs / best.wallMs,
      status_429: best.status429,
      goals_met: ratio <= 1.15 && best.failures === 0,
    };
    return { name: "many-documents", summary, details: { runs, lowerBoundMs, serverMs } };
  } finally {
    await files.remove();
  }
}

/** Runs one path on a fresh emulator (fresh limits and request log), timing it. */
async function onEmulator(
  label: string,
  files: number,
  concurrency: number,
  work: (emulator: Emulator) => Promise<{ documents: number; failures: number; failureMessages?: string[] }>,
): Promise<PathRun> {
  const emulator = await startEmulator({
    engine: createTimedEngine(MS_PER_PAGE),
    jobConcurrency: 64,
    maxActiveJobsPerKey: MAX_ACTIVE_JOBS,
    requestsPerSecond: REQUESTS_PER_SECOND,
  });
  try {
    const started = performance.now();
    const outcome = await work(emulator);
    const wallMs = performance.now() - started;
    const entries = emulator.log.entries;
    if (outcome.failureMessages?.length) console.log(`${label}: ${outcome.failures} failed, e.g. ${outcome.failureMessages[0]}`);
    return {
      label,
      files,
      concurrency,
      documents: outcome.documents,
      failures: outcome.failures,
      wallMs,
      requests: entries.length,
      status429: entries.filter((entry) => entry.status === 429).length,
      uploads429: entries.filter((entry) => entry.status === 429 && entry.route === "extract").length,
    };
  } finally {
    await emulator.close();
  }
}
