/**
 * Benchmark 4: a 2,000-page JSON result → LangChain Documents, through the code the loader runs
 * (the client's schema check, `@sotaocr/core`'s page mapping, `@sotaocr/langchain`'s documents),
 * timed and weighed on its own, next to `JSON.parse` of the same body; then the whole loader
 * against an emulator serving a 2,000-page synthetic document, for the mapping's share.
 */
import { performance } from "node:perf_hooks";
import { startEmulator } from "@sotaocr/emulator";
import { SotaOcrLoader } from "@sotaocr/langchain";
import { findPageObjects, pagesFromObjects } from "../packages/core/src/api/pages.js";
import { resultSchema } from "../packages/core/src/api/schemas.js";
import type { OcrResult } from "../packages/core/src/types.js";
import { syntheticPage } from "../packages/emulator/src/engines/synthetic.js";
import type { Job } from "../packages/emulator/src/jobs.js";
import { renderResult } from "../packages/emulator/src/results.js";
import { toDocuments } from "../packages/langchain/src/documents.js";
import { syntheticPdf, tempDir, writeFixture } from "./lib/fixtures.js";
import { settledHeap } from "./lib/heap.js";
import { median, round } from "./lib/stats.js";
import type { BenchResult } from "./lib/summary.js";

const PAGES = 2_000;
const RUNS = 15;
const SHA = "0".repeat(64);
const MB = 1024 * 1024;

/** The emulator's canonical JSON result of a completed `pages`-page synthetic job, as sent on the wire. */
export function canonicalResultBody(pages: number): string {
  const numbers = Array.from({ length: pages }, (_, i) => i + 1);
  const job = {
    id: "job_000000000000000000000000",
    pageNumbers: numbers,
    pageRanges: undefined,
    pages: new Map(numbers.map((n) => [n, syntheticPage(SHA, n)])),
  };
  return JSON.stringify(renderResult(job as unknown as Job, "json", "canonical", "original"));
}

/** What the loader does with a result body: parse, check, find and map the pages, make Documents. */
export function mapResult(body: string) {
  const parsed = resultSchema.parse(JSON.parse(body));
  const objects = findPageObjects(parsed) ?? [];
  const pages = pagesFromObjects(objects, { jobId: "job_bench", format: "markdown" });
  const result: OcrResult = {
    jobId: "job_bench",
    format: "markdown",
    pageCount: parsed.page_count ?? pages.length,
    pages,
    pageRanges: undefined,
    pageSource: "pages",
    file: { filename: "big.pdf", source: "big.pdf", fileType: "pdf", size: 1, sha256: SHA },
    raw: {},
  };
  return toDocuments(result, { split: "page", pageMarker: false, elementSpans: true, extra: undefined, pageImages: undefined });
}

function timeEach(runs: number, work: () => unknown): number[] {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    work();
    times.push(performance.now() - started);
  }
  return times;
}

export async function runResultMapping(): Promise<BenchResult> {
  const body = canonicalResultBody(PAGES);
  console.log(`result-mapping: ${PAGES} pages, ${round(body.length / MB, 1)} MB of JSON; median of ${RUNS} runs after 3 warm-ups`);
  timeEach(3, () => mapResult(body));
  const mapMs = median(timeEach(RUNS, () => mapResult(body)));
  const parseMs = median(timeEach(RUNS, () => JSON.parse(body)));

  // What the Documents keep on the heap, and what the mapping needs at its peak beyond the parsed body.
  const before = settledHeap();
  const parsed = JSON.parse(body);
  const afterParse = settledHeap();
  const documents = mapResult(body);
  const afterMap = settledHeap();
  const parsedMb = (afterParse - before) / MB;
  const documentsMb = (afterMap - afterParse) / MB;
  if (documents.length !== PAGES || !parsed) throw new Error(`expected ${PAGES} documents, got ${documents.length}`);

  const loader = await loadThroughLoader();
  console.log(
    `mapping ${round(mapMs, 1)} ms (JSON.parse alone ${round(parseMs, 1)} ms); Documents retain ${round(documentsMb, 1)} MB (the parsed body ${round(parsedMb, 1)} MB)`,
  );
  console.log(
    `whole loader on the emulator: ${Math.round(loader.loadMs)} ms for ${loader.documents} Documents, of which the mapping is ~${round((100 * mapMs) / loader.loadMs, 1)} %`,
  );
  const summary = {
    pages: PAGES,
    map_ms: round(mapMs, 1),
    parse_ms: round(parseMs, 1),
    map_to_parse_ratio: mapMs / parseMs,
    documents_heap_mb: round(documentsMb, 1),
    parsed_json_heap_mb: round(parsedMb, 1),
    loader_ms: Math.round(loader.loadMs),
    map_share_of_loader: mapMs / loader.loadMs,
    goals_met: mapMs < 100,
  };
  return { name: "result-mapping", summary, details: { bodyBytes: body.length, loader } };
}

/** The whole `SotaOcrLoader.load()` of a 2,000-page document (pages read at 0 ms each). */
async function loadThroughLoader(): Promise<{ loadMs: number; documents: number }> {
  const emulator = await startEmulator({ engine: "synthetic", synthetic: { msPerPage: 0, pageCount: PAGES } });
  const files = await tempDir("mapping");
  try {
    const path = await writeFixture(files.dir, "doc.pdf", syntheticPdf(1, 0));
    const started = performance.now();
    const documents = await new SotaOcrLoader(path, { baseUrl: emulator.url, apiKey: emulator.apiKey }).load();
    return { loadMs: performance.now() - started, documents: documents.length };
  } finally {
    await emulator.close();
    await files.remove();
  }
}
