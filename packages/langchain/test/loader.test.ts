import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DirectoryLoader } from "@langchain/classic/document_loaders/fs/directory";
import { MemoryVectorStore } from "@langchain/classic/vectorstores/memory";
import { index } from "@langchain/core/indexing";
import { RecursiveCharacterTextSplitter } from "@langchain/textsplitters";
import { SotaOcrClient, sha256Hex } from "@sotaocr/core";
import { type Emulator, startEmulator } from "@sotaocr/emulator";
import { job, makePdf, startScriptedServer } from "@sotaocr/test-support";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import {
  AbortError,
  AuthenticationError,
  InvalidInputError,
  InvalidResponseError,
  JobFailedError,
  SotaOcrLoader,
  type SotaOcrMetadata,
} from "../src/index.js";
import { collapse, dataPath, groundTruth, HashEmbeddings, MemoryRecordManager } from "./support.js";

// Text-layer PDFs through the local engine (exact text, no OCR: fast); timing and failure cases
// through the synthetic engine.
let local: Emulator;
let synthetic: Emulator;
let dir: string;

beforeAll(async () => {
  [local, synthetic] = await Promise.all([
    startEmulator({ engine: "local" }),
    startEmulator({ engine: "synthetic", synthetic: { msPerPage: 300 }, jobConcurrency: 4 }),
  ]);
  dir = await mkdtemp(join(tmpdir(), "sotaocr-langchain-"));
  await mkdir(join(dir, "docs/nested"), { recursive: true });
  await copyFile(dataPath("report.pdf"), join(dir, "docs/report.pdf"));
  await copyFile(dataPath("page.png"), join(dir, "docs/nested/page.png"));
  await copyFile(dataPath("page.jpg"), join(dir, "docs/page.jpg"));
});
afterAll(async () => {
  await Promise.all([local?.close(), synthetic?.close()]);
  await rm(dir, { recursive: true, force: true });
});

const on = (emulator: Emulator) => ({ apiKey: emulator.apiKey, baseUrl: emulator.url });

describe("SotaOcrLoader", () => {
  it("turns a 3-page PDF into 3 Documents with the page's text and metadata", async () => {
    const path = dataPath("report.pdf");
    const docs = await new SotaOcrLoader(path, on(local)).load();
    expect(docs).toHaveLength(3);
    expect(docs.map((doc) => collapse(doc.pageContent))).toEqual(groundTruth["report.pdf"]?.map(collapse));
    expect(docs[1]?.pageContent).toMatch(/^# Solar Panel Maintenance/);
    const sha256 = await sha256Hex(new Blob([await import("node:fs/promises").then((fs) => fs.readFile(path))]));
    expect(docs.map((doc) => doc.metadata)).toEqual(
      [1, 2, 3].map((pageNumber) => ({
        source: path,
        loc: { pageNumber },
        pageNumber,
        pdf: { totalPages: 3 },
        sotaocr: {
          jobId: docs[0]?.metadata.sotaocr.jobId,
          format: "markdown",
          pageCount: 3,
          fileType: "pdf",
          sha256,
          angle: 0,
          width: expect.any(Number),
          height: expect.any(Number),
          elements: expect.any(Array),
        },
      })),
    );
    expect(JSON.parse(JSON.stringify(docs.map((doc) => doc.metadata)))).toEqual(docs.map((doc) => doc.metadata));
  });

  it("gives the same ids on every load, one per page", async () => {
    const first = await new SotaOcrLoader(dataPath("report.pdf"), on(synthetic)).load();
    const second = await new SotaOcrLoader(dataPath("report.pdf"), on(synthetic)).load();
    expect(first.map((doc) => doc.id)).toEqual(second.map((doc) => doc.id));
    expect(new Set(first.map((doc) => doc.id)).size).toBe(3);
    expect(first[0]?.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(first[0]?.metadata.sotaocr.jobId).not.toBe(second[0]?.metadata.sotaocr.jobId);
    // One Document per file: the id says which pages it covers.
    const whole = async (pageRanges?: string) =>
      (await new SotaOcrLoader(dataPath("report.pdf"), { ...on(synthetic), split: "file", pageRanges }).load())[0]?.id;
    const [all, again, two] = await Promise.all([whole(), whole(), whole("2")]);
    expect(all).toBe(again);
    expect(two).not.toBe(all);
  });

  it("loads a PNG as one Document, and bytes under the name given", async () => {
    const [png] = await new SotaOcrLoader(dataPath("page.png"), on(synthetic)).load();
    expect(png?.metadata).toMatchObject({
      source: dataPath("page.png"),
      loc: { pageNumber: 1 },
      sotaocr: { fileType: "png", pageCount: 1 },
    });
    expect(png?.metadata.pdf).toBeUndefined();
    const bytes = await import("node:fs/promises").then((fs) => fs.readFile(dataPath("page.jpg")));
    const docs = await new SotaOcrLoader(bytes, { ...on(synthetic), name: "scan.jpg" }).load();
    expect(docs.map((doc) => doc.metadata.source)).toEqual(["scan.jpg"]);
  });

  it.each(["original", "relative"] as const)(
    "keeps original page numbers with page ranges (server numbering: %s)",
    async (pageNumbering) => {
      const emulator = await startEmulator({ engine: "local", pageNumbering });
      try {
        const docs = await new SotaOcrLoader(dataPath("report.pdf"), { ...on(emulator), pageRanges: "2-3" }).load();
        expect(docs.map((doc) => doc.metadata.loc?.pageNumber)).toEqual([2, 3]);
        expect(collapse(docs[0]?.pageContent ?? "")).toBe(collapse(groundTruth["report.pdf"]?.[1] ?? "x"));
        expect(docs[0]?.metadata.pdf).toBeUndefined();
      } finally {
        await emulator.close();
      }
    },
  );

  it('gives plain text with format: text, and one Document per file with split: "file"', async () => {
    const [whole] = await new SotaOcrLoader(dataPath("report.pdf"), {
      ...on(local),
      format: "text",
      split: "file",
      pageMarker: false,
    }).load();
    expect(whole?.pageContent).not.toContain("# ");
    expect(collapse(whole?.pageContent ?? "")).toBe(collapse(groundTruth["report.pdf"]?.join("\n\n") ?? "x"));
    expect(whole?.metadata.loc).toBeUndefined();
    expect(whole?.metadata.sotaocr.format).toBe("text");
  });

  it("merges extra metadata", async () => {
    const [doc] = await new SotaOcrLoader(dataPath("page.png"), {
      ...on(synthetic),
      metadata: { tenant: "acme", source: "s3://bucket/page.png" },
    }).load();
    expect(doc?.metadata).toMatchObject({ tenant: "acme", source: "s3://bucket/page.png", loc: { pageNumber: 1 } });
  });

  it("runs the files of an array side by side, and lazyLoad yields each file as its job completes", async () => {
    // 0.8 s a page: the images are done by their first poll, the PDFs seconds later.
    const paced = await startEmulator({ engine: "synthetic", synthetic: { msPerPage: 800 }, jobConcurrency: 4 });
    onTestFinished(() => paced.close());
    const files = ["report.pdf", "page.png", "page.jpg", "mixed.pdf"].map(dataPath);
    const loader = new SotaOcrLoader(files, { ...on(paced), concurrency: 4 });
    const order: string[] = [];
    for await (const doc of loader.lazyLoad()) if (!order.includes(doc.metadata.source)) order.push(doc.metadata.source);
    // All four uploads happened before the first result was fetched: the jobs overlapped.
    const firstResult = paced.log.entries.find((entry) => entry.route === "result")?.time ?? 0;
    expect(paced.log.uploads().every((upload) => upload.time < firstResult)).toBe(true);
    // The single-page images finish first, the multi-page PDFs after, whatever the input order.
    expect(order.slice(0, 2).sort()).toEqual([dataPath("page.jpg"), dataPath("page.png")]);
    expect(order.slice(2).sort()).toEqual([dataPath("mixed.pdf"), dataPath("report.pdf")]);
    // load() keeps input order.
    const docs = await loader.load();
    expect([...new Set(docs.map((doc) => doc.metadata.source))]).toEqual(files);
  });
});

describe("inside LangChain's own machinery", () => {
  it("DirectoryLoader maps .pdf/.png/.jpg to SotaOcrLoader: one Document per page per file", async () => {
    const client = new SotaOcrClient(on(synthetic));
    const loader = new DirectoryLoader(join(dir, "docs"), {
      ".pdf": (path) => new SotaOcrLoader(path, { client }),
      ".png": (path) => new SotaOcrLoader(path, { client }),
      ".jpg": (path) => new SotaOcrLoader(path, { client }),
    });
    const docs = (await loader.load()) as unknown as { metadata: SotaOcrMetadata }[];
    const pages = docs.map((doc) => `${doc.metadata.source.slice(dir.length)}#${doc.metadata.loc?.pageNumber}`).sort();
    expect(pages).toEqual([
      "/docs/nested/page.png#1",
      "/docs/page.jpg#1",
      "/docs/report.pdf#1",
      "/docs/report.pdf#2",
      "/docs/report.pdf#3",
    ]);
  });

  it("RecursiveCharacterTextSplitter keeps loc.pageNumber and adds loc.lines", async () => {
    const loader = new SotaOcrLoader(dataPath("report.pdf"), on(local));
    const chunks = await loader.loadAndSplit(new RecursiveCharacterTextSplitter({ chunkSize: 200, chunkOverlap: 0 }));
    expect(chunks.length).toBeGreaterThan(6);
    for (const chunk of chunks) {
      expect(chunk.metadata.loc).toEqual({ pageNumber: expect.any(Number), lines: { from: expect.any(Number), to: expect.any(Number) } });
      expect(chunk.metadata.sotaocr.jobId).toMatch(/^job_/);
    }
    expect(new Set(chunks.map((chunk) => chunk.metadata.loc.pageNumber))).toEqual(new Set([1, 2, 3]));
    // With no splitter it uses a RecursiveCharacterTextSplitter of its own.
    expect((await loader.loadAndSplit()).length).toBeGreaterThanOrEqual(3);
  });

  it("a MemoryVectorStore finds the right page for a query", async () => {
    const docs = await new SotaOcrLoader(dataPath("report.pdf"), on(local)).loadAndSplit(
      new RecursiveCharacterTextSplitter({ chunkSize: 400 }),
    );
    const store = await MemoryVectorStore.fromDocuments(docs, new HashEmbeddings());
    const [hit] = await store.similaritySearch("how often should rooftop solar panels be cleaned and inspected", 1);
    expect(hit?.metadata.loc.pageNumber).toBe(2);
    const [trail] = await store.similaritySearch("hiking trail guide: distance, elevation, water and trailhead parking", 1);
    expect(trail?.metadata.loc.pageNumber).toBe(3);
  });

  it("index() with a record manager skips unchanged pages on a second run", async () => {
    const recordManager = new MemoryRecordManager();
    const vectorStore = new MemoryVectorStore(new HashEmbeddings());
    const options = { cleanup: "incremental" as const, sourceIdKey: "source" };
    const first = await index({ docsSource: new SotaOcrLoader(dataPath("report.pdf"), on(local)), recordManager, vectorStore, options });
    expect(first).toEqual({ numAdded: 3, numDeleted: 0, numUpdated: 0, numSkipped: 0 });
    // A fresh loader, a fresh job: the pages did not change, so nothing is re-embedded.
    const second = await index({ docsSource: new SotaOcrLoader(dataPath("report.pdf"), on(local)), recordManager, vectorStore, options });
    expect(second).toEqual({ numAdded: 0, numDeleted: 0, numUpdated: 0, numSkipped: 3 });
    expect(vectorStore.memoryVectors).toHaveLength(3);
  });

  it("index() keeps pages with the same text apart", async () => {
    const twins = makePdf(["Nothing on this page.", "Nothing on this page.", "A different page."]);
    const vectorStore = new MemoryVectorStore(new HashEmbeddings());
    const loader = new SotaOcrLoader(twins, { ...on(local), name: "twins.pdf" });
    const result = await index({ docsSource: loader, recordManager: new MemoryRecordManager(), vectorStore });
    expect(result.numAdded).toBe(3);
    expect(vectorStore.memoryVectors.map((vector) => vector.metadata.loc.pageNumber).sort()).toEqual([1, 2, 3]);
  });
});

describe("errors", () => {
  it("a failed job, a wrong key and a missing file are typed errors", async () => {
    const failing = await startEmulator({
      engine: "synthetic",
      faults: {
        failFiles: [await sha256Hex(new Blob([await import("node:fs/promises").then((fs) => fs.readFile(dataPath("page.png")))]))],
      },
    });
    try {
      await expect(new SotaOcrLoader(dataPath("page.png"), on(failing)).load()).rejects.toBeInstanceOf(JobFailedError);
      await expect(new SotaOcrLoader(dataPath("page.jpg"), { ...on(failing), apiKey: "wrong-key" }).load()).rejects.toBeInstanceOf(
        AuthenticationError,
      );
      await expect(new SotaOcrLoader(dataPath("nope.pdf"), on(failing)).load()).rejects.toBeInstanceOf(InvalidInputError);

      // With onError: "skip" the other files still load, and the failures are reported.
      const reported: string[] = [];
      const loader = new SotaOcrLoader([dataPath("page.png"), dataPath("nope.pdf"), dataPath("page.jpg")], {
        ...on(failing),
        onError: ({ source }) => reported.push(source),
      });
      const docs = await loader.load();
      expect(docs.map((doc) => doc.metadata.source)).toEqual([dataPath("page.jpg")]);
      expect(reported.sort()).toEqual([dataPath("nope.pdf"), dataPath("page.png")].sort());
      expect(loader.failures.map((failure) => failure.error.name).sort()).toEqual(["InvalidInputError", "JobFailedError"]);

      // What is about every file stops the load even with onError: "skip": a refused key, an abort.
      const both = [dataPath("page.jpg"), dataPath("report.pdf")];
      await expect(new SotaOcrLoader(both, { ...on(failing), apiKey: "sk-refused-0000", onError: "skip" }).load()).rejects.toBeInstanceOf(
        AuthenticationError,
      );
      const controller = new AbortController();
      const aborted = new SotaOcrLoader(both, { ...on(failing), onError: "skip", signal: controller.signal }).load();
      controller.abort();
      await expect(aborted).rejects.toBeInstanceOf(AbortError);
    } finally {
      await failing.close();
    }
  });

  it("a result missing a page of its job is an error, never fewer Documents than pdf.totalPages says", async () => {
    const server = await startScriptedServer();
    try {
      const pages = [1, 3].map((n) => ({ page_number: n, markdown: `Page ${n}` }));
      server
        .on("POST /v1/extract", job("job_gap", "pending"))
        .on("GET /v1/jobs/job_gap", job("job_gap", "completed", 3, 3))
        .on("GET /v1/jobs/job_gap/result", { json: { job_id: "job_gap", page_count: 3, pages } });
      const loader = new SotaOcrLoader(makePdf(["one", "two", "three"]), {
        apiKey: "sk-test",
        baseUrl: server.url,
        name: "gap.pdf",
        maxRetries: 0,
      });
      const error = await loader.load().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidResponseError);
      expect(error).toMatchObject({ jobId: "job_gap" });
      expect((error as Error).message).toMatch(/job job_gap.*page 2 missing/);
      expect(server.requestsTo("GET /v1/jobs/job_gap/result")).toHaveLength(1); // maxRetries 0: no second look
    } finally {
      await server.close();
    }
  });

  it("rejects bad options when it is made", () => {
    expect(() => new SotaOcrLoader([])).toThrow(/at least one file/);
    expect(() => new SotaOcrLoader("a.pdf", { pageRanges: "3-1", apiKey: "k" })).toThrow(/starts after it ends/);
    expect(() => new SotaOcrLoader("a.pdf", { format: "html" as "text", apiKey: "k" })).toThrow(/format must be/);
    expect(() => new SotaOcrLoader(["a.pdf", "b.pdf"], { name: "x.pdf", apiKey: "k" })).toThrow(/name option names a single input/);
    expect(() => new SotaOcrLoader(["a.pdf", "b.pdf"], { concurrency: 0, apiKey: "k" })).toThrow(/concurrency must be a whole number/);
  });
});
