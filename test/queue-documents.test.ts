import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SotaOcrClient } from "@sotaocr/core";
import { createSyntheticEngine, type Emulator, type Engine, startEmulator } from "@sotaocr/emulator";
import { SotaOcrLoader } from "@sotaocr/langchain";
import { SotaOcrReader } from "@sotaocr/llamaindex";
import { OcrQueue, OcrWorker, type QueueItem } from "@sotaocr/queue";
import { hasRedisServer, makePdf, startRedis, type TestRedis } from "@sotaocr/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// A corpus queued, OCR'd by a worker and read back through `queue.resultsClient()` gives the
// LangChain loader and the LlamaIndex reader the same Documents as loading the files directly
// against the same emulator. Loader and reader run with their defaults.
//
// Volatile, and left out of the comparison: the SotaOCR job id (LangChain `metadata.sotaocr.jobId`,
// LlamaIndex `metadata.job_id`). The local load makes jobs of its own, so its ids differ by design;
// the queued Documents must carry the job the worker made (checked). Everything else (ids, text,
// file facts, page facts, element spans, LlamaIndex's `hash`) must be equal.

/** The synthetic engine, with a table (HTML, box, score) added to every page, so elements of every kind make the trip. */
function engineWithTables(): Engine {
  const synthetic = createSyntheticEngine({ msPerPage: 20 });
  return {
    name: "synthetic-tables",
    async open(path, fileType, signal) {
      const document = await synthetic.open(path, fileType, signal);
      return {
        pageCount: document.pageCount,
        previewPage: (pageNumber) => document.previewPage(pageNumber),
        close: () => document.close(),
        async readPage(pageNumber, pageSignal) {
          const page = await document.readPage(pageNumber, pageSignal);
          const html = `<table><tr><td>page</td><td>${pageNumber}</td></tr><tr><td>total</td><td>${pageNumber * 7}</td></tr></table>`;
          return {
            ...page,
            markdown: `${page.markdown}\n\n| page | ${pageNumber} |\n| --- | --- |\n| total | ${pageNumber * 7} |`,
            blocks: [...page.blocks, { type: "table", text: html, bbox: [40, 300, 560, 380], score: 0.87 }],
          };
        },
      };
    },
    close: () => synthetic.close(),
  };
}

let redis: TestRedis;
let emulator: Emulator;
let dir: string;
let paths: string[];

beforeAll(async () => {
  if (!hasRedisServer())
    throw new Error("This test starts its own Redis: install it with `apt-get install -y redis-server` (.ci/run does).");
  redis = await startRedis();
  emulator = await startEmulator({ engine: engineWithTables() });
  dir = await mkdtemp(join(tmpdir(), "sotaocr-queue-docs-"));
  paths = [];
  for (const [name, pages] of [
    ["one.pdf", ["a single page"]],
    ["three.pdf", ["first", "second", "third"]],
    ["two.pdf", ["front", "back"]],
  ] as const) {
    const path = join(dir, name);
    await writeFile(path, makePdf([...pages]));
    paths.push(path);
  }
});

afterAll(async () => {
  await emulator?.close();
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Without the SotaOCR job id, the one field that differs between two loads of the same bytes. */
function stableLangChain(metadata: Record<string, unknown>): Record<string, unknown> {
  const { jobId: _, ...sotaocr } = metadata.sotaocr as Record<string, unknown>;
  return { ...metadata, sotaocr };
}

function stableLlamaIndex(metadata: Record<string, unknown>): Record<string, unknown> {
  const { job_id: _, ...rest } = metadata;
  return rest;
}

describe("a queued corpus read as Documents", () => {
  it("SotaOcrLoader and SotaOcrReader with queue.resultsClient() give the Documents of a local load; elements survive the store's JSON", async () => {
    const queue = new OcrQueue({ redis: redis.url, name: "documents" });
    const worker = new OcrWorker({ redis: redis.url, name: "documents", client: { baseUrl: emulator.url, apiKey: emulator.apiKey } });
    try {
      await queue.add(paths);
      const items: QueueItem[] = [];
      for await (const item of queue.results({ pollIntervalMs: 100 })) items.push(item);
      expect(items.filter((item) => item.error).map((item) => item.error?.message)).toEqual([]);
      const queuedJobs = new Map(items.map((item) => [item.result?.file.source, item.result?.jobId]));
      const uploadsByWorker = emulator.log.uploads().length;
      expect(uploadsByWorker).toBe(3);

      const requestsByWorker = emulator.log.entries.length;
      const client = queue.resultsClient();
      const fromQueueLc = await new SotaOcrLoader(paths, { client }).load();
      const fromQueueLi = (await Promise.all(paths.map((path) => new SotaOcrReader({ client }).loadData(path)))).flat();
      // Read from the store: not one request to the service.
      expect(emulator.log.entries.length).toBe(requestsByWorker);

      const direct = { baseUrl: emulator.url, apiKey: emulator.apiKey };
      const localLc = await new SotaOcrLoader(paths, direct).load();
      const localLi = (await Promise.all(paths.map((path) => new SotaOcrReader(direct).loadData(path)))).flat();
      expect(emulator.log.uploads().length).toBe(uploadsByWorker + 6); // the local loads did upload

      // LangChain: 6 pages, same ids, text and metadata but the job id, which is the worker's.
      expect(fromQueueLc.length).toBe(6);
      expect(fromQueueLc.map((doc) => doc.id)).toEqual(localLc.map((doc) => doc.id));
      expect(fromQueueLc.map((doc) => doc.pageContent)).toEqual(localLc.map((doc) => doc.pageContent));
      expect(fromQueueLc.map((doc) => stableLangChain(doc.metadata))).toEqual(localLc.map((doc) => stableLangChain(doc.metadata)));
      expect(fromQueueLc.map((doc) => doc.metadata.sotaocr.jobId)).toEqual(fromQueueLc.map((doc) => queuedJobs.get(doc.metadata.source)));
      expect(fromQueueLc.some((doc, i) => doc.metadata.sotaocr.jobId !== localLc[i]?.metadata.sotaocr.jobId)).toBe(true);
      // The page Documents carry element spans, the table among them.
      expect(fromQueueLc.every((doc) => (doc.metadata.sotaocr.elements ?? []).some((span) => span.category === "table"))).toBe(true);

      // LlamaIndex: same ids, text, stable metadata and dedup hash.
      expect(fromQueueLi.length).toBe(6);
      expect(fromQueueLi.map((doc) => doc.id_)).toEqual(localLi.map((doc) => doc.id_));
      expect(fromQueueLi.map((doc) => doc.text)).toEqual(localLi.map((doc) => doc.text));
      expect(fromQueueLi.map((doc) => stableLlamaIndex(doc.metadata))).toEqual(localLi.map((doc) => stableLlamaIndex(doc.metadata)));
      expect(fromQueueLi.map((doc) => doc.hash)).toEqual(localLi.map((doc) => doc.hash));
      expect(fromQueueLi.map((doc) => doc.metadata.job_id)).toEqual(fromQueueLi.map((doc) => queuedJobs.get(doc.metadata.file_path)));

      // The elements themselves, after the Redis store's JSON round-trip, equal a fresh result's:
      // categories, labels, order, text, markdown, table HTML, boxes and scores.
      const ocr = new SotaOcrClient(direct);
      for (const item of items) {
        const stored = await queue.result(item.id);
        const local = await ocr.ocr(item.source);
        const elements = stored?.pages.map((page) => page.elements);
        expect(elements).toEqual(local.pages.map((page) => page.elements));
        const table = stored?.pages[0]?.elements?.find((element) => element.category === "table");
        expect(table).toMatchObject({ html: expect.stringContaining("<table>"), bbox: [40, 300, 560, 380], score: 0.87, label: "table" });
      }
    } finally {
      await worker.close();
      await queue.close();
    }
  }, 30_000);
});
