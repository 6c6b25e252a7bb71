/**
 * Benchmark 4: a 2,000-page JSON result → LangChain Documents, through the code the loader runs
 * (the client's schema check, `@sotaocr/core`'s page mapping, `@sotaocr/langchain`'s documents),
 * timed and weighed on its own, next to `JSON.parse` of the same body; then the whole loader
 * against an emulator serving a 2,000-page synthetic document, for the mapping's share. Element
 * mode (`split: "element"`) is timed on a result whose every page has a table (~10 elements a
 * page): the whole mapping to element Documents, and `documentParts(result, "element")` alone.
 */
import { performance } from "node:perf_hooks";
import { documentParts } from "@sotaocr/core/documents";
import { startEmulator } from "@sotaocr/emulator";
import { SotaOcrLoader } from "@sotaocr/langchain";
import { findPageObjects, pagesFromObjects } from "../packages/core/src/api/pages.js";
import { resultSchema } from "../packages/core/src/api/schemas.js";
import type { OcrResult } from "../packages/core/src/types.js";
import { syntheticPage } from "../packages/emulator/src/engines/synthetic-page.js";
import type { Job } from "../packages/emulator/src/jobs.js";
import { renderResult } from "../packages/emulator/src/results.js";
import { toDocuments } from "../packages/langchain/src/documents.js";
import { allocatedBytes } from "./lib/allocation.js";
import { syntheticPdf, tempDir, writeFixture } from "./lib/fixtures.js";
import { settledHeap } from "./lib/heap.js";
import { median, round } from "./lib/stats.js";
import type { BenchResult } from "./lib/summary.js";

const PAGES = 2_000;
const RUNS = 15;
const SHA = "0".repeat(64);
const MB = 1024 * 1024;

/**
 * The emulator's canonical JSON result of a completed `pages`-page synthetic job, as sent on the
 * wire. `everyPageTable`: each page n is the synthetic page 2n (even pages have a table).
 */
export function canonicalResultBody(pages: number, everyPageTable = false): string {
  const numbers = Array.from({ length: pages }, (_, i) => i + 1);
  const job = {
    id: "job_000000000000000000000000",
    pageNumbers: numbers,
    pageRanges: undefined,
    pages: new Map(numbers.map((n) => [n, syntheticPage(SHA, everyPageTable ? 2 * n : n)])),
  };
  return JSON.stringify(renderResult(job as unknown as Job, "json", "canonical", "original"));
}

/** What the loader does with a result body: parse, check, find and map the pages, make Documents. */
export function mapResult(body: string, split: "page" | "element" = "page") {
  return toDocuments(ocrResult(body), { split, pageMarker: false, elementSpans: true, extra: undefined, pageImages: undefined });
}

/** The client's `OcrResult` of a result body: parsed, checked, pages found and mapped. */
function ocrResult(body: string): OcrResult {
  const parsed = resultSchema.parse(JSON.parse(body));
  const objects = findPageObjects(parsed) ?? [];
  const pages = pagesFromObjects(objects, { jobId: "job_bench", format: "markdown" });
  return {
    jobId: "job_bench",
    format: "markdown",
    pageCount: parsed.page_count ?? pages.length,
    pages,
    pageRanges: undefined,
    pageSource: "pages",
    file: { filename: "big.pdf", source: "big.pdf", fileType: "pdf", size: 1, sha256: SHA },
    raw: {},
  };
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

  // Element mode: every page with a table, ~10 elements a page.
  const tableBody = canonicalResultBody(PAGES, true);
  const tableResult = ocrResult(tableBody);
  const elements = tableResult.pages.reduce((n, page) => n + (page.elements?.length ?? 0), 0);
  const tables = tableResult.pages.reduce((n, page) => n + (page.elements ?? []).filter((e) => e.category === "table").length, 0);
  if (tables !== PAGES) throw new Error(`expected a table on each of the ${PAGES} pages, got ${tables}`);
  timeEach(3, () => mapResult(tableBody, "element"));
  const elementMapMs = median(timeEach(RUNS, () => mapResult(tableBody, "element")));
  const elementPartsMs = median(timeEach(RUNS, () => documentParts(tableResult, "element")));
  const elementDocuments = mapResult(tableBody, "element").length;
  // Garbage included: steadier than time on a shared machine, and most of the time is the collector's.
  const mapAllocMb = (await allocatedBytes(() => mapResult(body))) / MB;
  const elementAllocMb = (await allocatedBytes(() => mapResult(tableBody, "element"))) / MB;
  console.log(
    `element mode: ${PAGES} pages, ${elements} elements (${round(elements / PAGES, 1)} a page, ${tables} tables), ${round(tableBody.length / MB, 1)} MB of JSON → ${elementDocuments} Documents in ${round(elementMapMs, 1)} ms (parse, check, map, toDocuments); documentParts(result, "element") alone ${round(elementPartsMs, 1)} ms`,
  );

  const loader = await loadThroughLoader();
  console.log(
    `mapping ${round(mapMs, 1)} ms (JSON.parse alone ${round(parseMs, 1)} ms); Documents retain ${round(documentsMb, 1)} MB (the parsed body ${round(parsedMb, 1)} MB)`,
  );
  console.log(
    `allocated per mapping (garbage included): page mode ${round(mapAllocMb, 1)} MB, element mode ${round(elementAllocMb, 1)} MB`,
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
    element_pages: PAGES,
    element_count: elements,
    element_map_ms: round(elementMapMs, 1),
    element_parts_ms: round(elementPartsMs, 1),
    map_alloc_mb: round(mapAllocMb, 1),
    element_alloc_mb: round(elementAllocMb, 1),
    goals_met: mapMs < 100 && elementMapMs < 200,
  };
  return {
    name: "result-mapping",
    summary,
    details: { bodyBytes: body.length, elementBodyBytes: tableBody.length, elementDocuments, tables, loader },
  };
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
