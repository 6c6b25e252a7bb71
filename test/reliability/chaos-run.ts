/**
 * The chaos load, run as its own process by chaos.test.ts: the corpus through SotaOcrLoader and
 * SotaOcrReader at once, against an emulator injecting faults from a fixed seed. Writes what it
 * saw to the JSON file named in argv[2] and then ends by itself: it never calls process.exit, so
 * a handle left open (a timer, a socket) keeps it alive and the test sees it time out.
 *
 *   node --import tsx test/reliability/chaos-run.ts report.json [seed]
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isSotaOcrError, JobFailedError, SotaOcrClient } from "@sotaocr/core";
import { type RequestLogEntry, startEmulator } from "@sotaocr/emulator";
import { type LoaderInput, SotaOcrLoader } from "@sotaocr/langchain";
import { SotaOcrReader } from "@sotaocr/llamaindex";
import { type CorpusDocument, corpus } from "./corpus.js";

/** One failure as the report records it. */
export interface ReportedError {
  name: string;
  message: string;
  isJobFailed: boolean;
  isSotaOcrError: boolean;
  code: string | undefined;
  jobId: string | undefined;
}

/** One Document (a page) as the report records it. */
export interface ReportedPage {
  source: string;
  pageNumber: number | undefined;
  text: string;
  jobId: string;
  sha256: string | undefined;
  id: string | undefined;
}

export interface ChaosReport {
  seed: number;
  /** Where the path inputs were written (sources of path inputs start with it). */
  dir: string;
  elapsedMs: number;
  loader: { pages: ReportedPage[]; failures: { source: string; error: ReportedError }[] };
  reader: {
    results: ({ name: string; pages: ReportedPage[] } | { name: string; error: ReportedError })[];
    failures: { source: string; error: ReportedError }[];
  };
  log: RequestLogEntry[];
  unhandledRejections: string[];
  /** `process.getActiveResourcesInfo()` once everything is closed (the process must still exit by itself). */
  resourcesAfterClose: string[];
  /** `Date.now()` when the report was written: the process should end right after. */
  writtenAt: number;
}

/** The faults of the run: every kind, the total a little under a third of the requests. */
export const CHAOS_FAULTS = {
  serverError: 0.06,
  rateLimit: 0.06,
  retryAfter: "both",
  reset: 0.04,
  slow: 0.04,
  slowMs: 2500,
  ambiguousUpload: 0.08,
} as const;

/** The client's per-request timeout: shorter than a slow answer, so slow answers time out and are retried. */
export const REQUEST_TIMEOUT_MS = 1500;

const reportPath = process.argv[2];
const seed = Number(process.argv[3] ?? 20_261_129);

async function main(): Promise<void> {
  if (!reportPath) throw new Error("usage: chaos-run.ts <report.json> [seed]");
  const unhandledRejections: string[] = [];
  process.on("unhandledRejection", (reason) => unhandledRejections.push(String((reason as Error)?.stack ?? reason)));

  const started = performance.now();
  const dir = await mkdtemp(join(tmpdir(), "sotaocr-chaos-"));
  const documents = corpus();
  for (const document of documents) if (document.via === "path") await writeFile(join(dir, document.name), document.bytes);
  const emulator = await startEmulator({
    engine: "synthetic",
    synthetic: { msPerPage: 20 },
    jobConcurrency: 8,
    faults: { seed, ...CHAOS_FAULTS, failFiles: documents.filter((document) => document.fails).map((document) => document.sha256) },
  });
  const client = () =>
    new SotaOcrClient({
      baseUrl: emulator.url,
      apiKey: emulator.apiKey,
      maxRetries: 8,
      retryAmbiguousUploads: true,
      timeoutMs: REQUEST_TIMEOUT_MS,
    });

  const loaderInput = (document: CorpusDocument): LoaderInput => {
    if (document.via === "path") return join(dir, document.name);
    if (document.via === "bytes") return { input: document.bytes, name: document.name };
    return { input: new Blob([document.bytes]), name: document.name };
  };
  const loader = new SotaOcrLoader(documents.filter((document) => document.through === "loader").map(loaderInput), {
    client: client(),
    concurrency: 8,
    onError: "skip",
  });
  const reader = new SotaOcrReader({ client: client() });
  const readOne = async (document: CorpusDocument) => {
    try {
      const pages =
        document.via === "path"
          ? await reader.loadData(join(dir, document.name))
          : await reader.loadDataAsContent(document.bytes, document.name);
      return {
        name: document.name,
        pages: pages.map(
          (page): ReportedPage => ({
            source: String(page.metadata.file_name),
            pageNumber: page.metadata.page_number,
            text: page.text,
            jobId: page.metadata.job_id,
            sha256: undefined,
            id: page.id_,
          }),
        ),
      };
    } catch (error) {
      return { name: document.name, error: reported(error) };
    }
  };

  const [loaded, read] = await Promise.all([
    loader.load(),
    pool(
      documents.filter((document) => document.through === "reader"),
      8,
      readOne,
    ),
  ]);

  const report: ChaosReport = {
    seed,
    dir,
    elapsedMs: performance.now() - started,
    loader: {
      pages: loaded.map((page) => ({
        source: page.metadata.source,
        pageNumber: page.metadata.loc?.pageNumber,
        text: page.pageContent,
        jobId: page.metadata.sotaocr.jobId,
        sha256: page.metadata.sotaocr.sha256,
        id: page.id,
      })),
      failures: loader.failures.map(({ source, error }) => ({ source, error: reported(error) })),
    },
    reader: {
      results: read,
      failures: reader.failures.map(({ source, error }) => ({ source, error: reported(error) })),
    },
    log: emulator.log.entries.map((entry) => ({ ...entry })),
    unhandledRejections,
    resourcesAfterClose: [],
    writtenAt: 0,
  };
  await emulator.close();
  await rm(dir, { recursive: true, force: true });
  // Let sockets the server just closed finish closing on this side too.
  await new Promise((resolve) => setTimeout(resolve, 100));
  report.resourcesAfterClose = process.getActiveResourcesInfo();
  report.writtenAt = Date.now();
  await writeFile(reportPath, JSON.stringify(report));
}

function reported(error: unknown): ReportedError {
  const e = error as Error & { code?: unknown; jobId?: unknown };
  return {
    name: e?.name ?? typeof error,
    message: String(e?.message ?? error),
    isJobFailed: error instanceof JobFailedError,
    isSotaOcrError: isSotaOcrError(error),
    code: typeof e?.code === "string" ? e.code : undefined,
    jobId: typeof e?.jobId === "string" ? e.jobId : undefined,
  };
}

/** Runs `work` on every item, `concurrency` at a time; results in input order. */
async function pool<T, R>(items: T[], concurrency: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index] as T);
      }
    }),
  );
  return results;
}

await main();
