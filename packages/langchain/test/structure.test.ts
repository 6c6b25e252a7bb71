import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryVectorStore } from "@langchain/classic/vectorstores/memory";
import { Document } from "@langchain/core/documents";
import { index } from "@langchain/core/indexing";
import { RecursiveCharacterTextSplitter } from "@langchain/textsplitters";
import { type Emulator, startEmulator } from "@sotaocr/emulator";
import { makePdf } from "@sotaocr/test-support";
import { PNG } from "pngjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chunkSources, flattenMetadata, SotaOcrError, SotaOcrLoader } from "../src/index.js";
import { HashEmbeddings, MemoryRecordManager, TABLE, tableEngine } from "./support.js";

// Document structure through LangChain's own splitters, stores and index(): elements with their
// categories and boxes, tables as tables, page images, flat metadata, and chunk → boxes.
let emulator: Emulator;
let dir: string;
const file = { input: makePdf(["Fleet", "Fuel"]), name: "fleet.pdf" };

beforeAll(async () => {
  emulator = await startEmulator({ engine: tableEngine() });
  dir = await mkdtemp(join(tmpdir(), "sotaocr-structure-"));
});
afterAll(async () => {
  await emulator?.close();
  await rm(dir, { recursive: true, force: true });
});

const on = () => ({ apiKey: emulator.apiKey, baseUrl: emulator.url });
const tableMarkdown = [
  "| Vehicle | Last service | Next service |",
  "| --- | --- | --- |",
  "| Truck 12 | 2024-03-02 | 2024-09-02 |",
  "| Van 7 | 2024-01-15 | 2024-07-15 |",
  "| Forklift 3 | 2023-11-30 | 2024-05-30 |",
].join("\n");
const tablePoints = [
  [100, 400],
  [100, 640],
  [1100, 640],
  [1100, 400],
];

describe('split: "element"', () => {
  it("gives one Document per element with text: UnstructuredLoader's keys, a table as a markdown table, stable ids", async () => {
    const docs = await new SotaOcrLoader(file, { ...on(), split: "element" }).load();
    expect(docs.map((doc) => [doc.metadata.page_number, doc.metadata.element_order, doc.metadata.category])).toEqual([
      [1, 1, "title"],
      [1, 2, "text"],
      [1, 3, "table"],
      [1, 4, "text"],
      [2, 1, "heading"],
      [2, 2, "text"],
    ]);
    const table = docs[2];
    expect(table?.pageContent).toBe(tableMarkdown);
    expect(table?.metadata).toMatchObject({
      source: "fleet.pdf",
      loc: { pageNumber: 1 },
      pageNumber: 1,
      pdf: { totalPages: 2 },
      category: "table",
      page_number: 1,
      text_as_html: TABLE.html,
      coordinates: { points: tablePoints, system: "PixelSpace", layout_width: 1200, layout_height: 1600 },
      sotaocr: { label: "table", score: 0.98, width: 1200, height: 1600, fileType: "pdf" },
    });
    expect(docs[0]?.pageContent).toBe("# Fleet Maintenance Log");
    expect(docs[0]?.metadata.text_as_html).toBeUndefined();
    // Each element names its page Document, which split: "page" gives with that id.
    const pages = await new SotaOcrLoader(file, on()).load();
    expect(docs.map((doc) => doc.metadata.parent_id)).toEqual([1, 1, 1, 1, 2, 2].map((n) => pages[n - 1]?.id));
    const again = await new SotaOcrLoader(file, { ...on(), split: "element" }).load();
    expect(again.map((doc) => doc.id)).toEqual(docs.map((doc) => doc.id));
    expect(new Set([...docs, ...pages].map((doc) => doc.id)).size).toBe(8);
  });

  it("→ RecursiveCharacterTextSplitter → MemoryVectorStore: a question about the table retrieves its HTML and box", async () => {
    const docs = await new SotaOcrLoader(file, { ...on(), split: "element" }).load();
    const chunks = await new RecursiveCharacterTextSplitter({ chunkSize: 200, chunkOverlap: 0 }).splitDocuments(docs);
    const store = await MemoryVectorStore.fromDocuments(chunks, new HashEmbeddings());
    const [hit] = await store.similaritySearch("vehicle truck next service date", 1);
    expect(hit?.metadata.category).toBe("table");
    expect(hit?.metadata.text_as_html).toBe(TABLE.html);
    expect(hit?.metadata.coordinates.points).toEqual(tablePoints);
    expect(chunkSources(hit as Document)).toEqual([
      { pageNumber: 1, category: "table", order: 3, bbox: TABLE.bbox, pageWidth: 1200, pageHeight: 1600 },
    ]);
  });

  it("index() with a record manager adds each element once: a second run adds 0 and skips them all", async () => {
    const recordManager = new MemoryRecordManager();
    const vectorStore = new MemoryVectorStore(new HashEmbeddings());
    const run = () =>
      index({
        docsSource: new SotaOcrLoader(file, { ...on(), split: "element" }),
        recordManager,
        vectorStore,
        options: { cleanup: "incremental", sourceIdKey: "source" },
      });
    expect(await run()).toEqual({ numAdded: 6, numDeleted: 0, numUpdated: 0, numSkipped: 0 });
    expect(await run()).toEqual({ numAdded: 0, numDeleted: 0, numUpdated: 0, numSkipped: 6 });
    expect(vectorStore.memoryVectors).toHaveLength(6);
  });
});

describe('split: "page" and "file"', () => {
  it("renders a page's HTML table as a markdown table, and says where each element sits in it", async () => {
    const [page] = await new SotaOcrLoader(file, on()).load();
    expect(page?.pageContent).toContain(`\n\n${tableMarkdown}\n\n`);
    expect(page?.pageContent).not.toContain("<table");
    const spans = page?.metadata.sotaocr.elements ?? [];
    expect(spans.map((span) => [span.category, page?.pageContent.slice(span.start, span.end).split("\n")[0]])).toEqual([
      ["title", "Fleet Maintenance Log"],
      ["text", "The fleet is serviced every six months. The table lists each vehicle's last and next service"],
      ["table", "Vehicle | Last service | Next service |"],
      ["text", "Vehicles overdue for service must not leave the depot until a mechanic has signed them off"],
    ]);
    const [bare] = await new SotaOcrLoader(file, { ...on(), elementSpans: false }).load();
    expect(bare?.metadata.sotaocr.elements).toBeUndefined();
    expect(bare && chunkSources(bare)).toEqual([]);
  });

  it("puts a page marker before each page of a file Document: <!-- page N --> unless told otherwise", async () => {
    const [whole] = await new SotaOcrLoader(file, { ...on(), split: "file" }).load();
    expect(whole?.pageContent).toMatch(/^<!-- page 1 -->\n\n# Fleet Maintenance Log\n/);
    expect(whole?.pageContent).toContain("signed them off.\n\n<!-- page 2 -->\n\n## Fuel Policy");
    const [custom] = await new SotaOcrLoader(file, { ...on(), split: "file", pageMarker: "--- {pageNumber} ---" }).load();
    expect(custom?.pageContent.match(/^--- \d ---$/gm)).toEqual(["--- 1 ---", "--- 2 ---"]);
    expect(custom && chunkSources(custom)).toEqual([]);
  });
});

describe("chunkSources", () => {
  it("finds the table's box for a page chunk holding one of its rows, and only the elements the chunk overlaps", async () => {
    const docs = await new SotaOcrLoader(file, on()).load();
    const chunks = await new RecursiveCharacterTextSplitter({ chunkSize: 120, chunkOverlap: 0 }).splitDocuments(docs);
    const row = chunks.find((chunk) => chunk.pageContent.includes("| Truck 12 |"));
    expect(row?.metadata.loc.lines).toBeDefined();
    const sources = chunkSources(row as Document);
    expect(sources).toContainEqual({ pageNumber: 1, category: "table", order: 3, bbox: TABLE.bbox, pageWidth: 1200, pageHeight: 1600 });
    expect(sources.map((source) => source.category)).not.toContain("title");
    const heading = chunks.find((chunk) => chunk.pageContent.startsWith("## Fuel Policy"));
    expect(chunkSources(heading as Document).map((source) => [source.pageNumber, source.category, source.bbox])).toEqual([
      [2, "heading", [100, 100, 600, 150]],
      ...(heading?.pageContent.includes("Drivers") ? [[2, "text", [100, 180, 1100, 260]]] : []),
    ]);
    // The whole page, not split: every element with text.
    expect(chunkSources(docs[0] as Document).map((source) => source.order)).toEqual([1, 2, 3, 4]);
  });
});

describe("flat metadata", () => {
  it("flattenMetadata after splitting leaves no nested value in any chunk of any split, and chunkSources still reads it", async () => {
    for (const split of ["page", "element", "file"] as const) {
      const docs = await new SotaOcrLoader(file, { ...on(), split, pageImages: join(dir, "flat") }).load();
      const chunks = await new RecursiveCharacterTextSplitter({ chunkSize: 120, chunkOverlap: 0 }).splitDocuments(docs);
      const flat = chunks.map((chunk) => new Document({ ...chunk, metadata: flattenMetadata(chunk.metadata) }));
      for (const chunk of flat) {
        for (const [key, value] of Object.entries(chunk.metadata)) {
          expect([key, typeof value]).toEqual([key, expect.stringMatching(/^(string|number|boolean)$/)]);
        }
        expect(chunkSources(chunk)).toEqual(chunkSources(chunks[flat.indexOf(chunk)] as Document));
      }
      expect(flat.some((chunk) => chunkSources(chunk).length > 0)).toBe(split !== "file");
    }
  });
});

describe("pageImages", () => {
  it("writes each page's image once and puts its path in the metadata of every mode", async () => {
    const folder = join(dir, "images");
    emulator.log.clear();
    const pages = await new SotaOcrLoader(file, { ...on(), pageImages: folder }).load();
    const paths = pages.map((page) => page.metadata.sotaocr.pageImage as string);
    expect(paths.every((path) => path.startsWith(folder) && path.endsWith(".png"))).toBe(true);
    expect(new Set(paths).size).toBe(2);
    const image = PNG.sync.read(await readFile(paths[0] as string));
    expect([image.width, image.height]).toEqual([1200, 1600]);
    expect(emulator.log.entries.filter((entry) => entry.route === "preview")).toHaveLength(2);

    const elements = await new SotaOcrLoader(file, { ...on(), split: "element", pageImages: folder }).load();
    expect(elements.map((doc) => doc.metadata.sotaocr.pageImage)).toEqual([0, 0, 0, 0, 1, 1].map((i) => paths[i]));
    const [whole] = await new SotaOcrLoader(file, { ...on(), split: "file", pageImages: folder }).load();
    expect(whole?.metadata.sotaocr.pageImages).toEqual({ 1: paths[0], 2: paths[1] });
    // Already on disk: not fetched again.
    expect(emulator.log.entries.filter((entry) => entry.route === "preview")).toHaveLength(2);
    expect(chunkSources(elements[2] as Document)[0]?.pageImage).toBe(paths[0]);
  });

  it("a file whose page images cannot be fetched fails as the file, under onError", async () => {
    const engine = tableEngine();
    const broken = await startEmulator({
      engine: {
        ...engine,
        name: "no-previews",
        open: async (...args) => ({ ...(await engine.open(...args)), previewPage: () => Promise.reject(new Error("no preview")) }),
      },
    });
    try {
      const base = { apiKey: broken.apiKey, baseUrl: broken.url, maxRetries: 0, pageImages: join(dir, "broken") };
      await expect(new SotaOcrLoader(file, base).load()).rejects.toBeInstanceOf(SotaOcrError);
      const loader = new SotaOcrLoader([file, { input: makePdf(["Other"]), name: "other.pdf" }], { ...base, onError: "skip" });
      expect(await loader.load()).toEqual([]);
      expect(loader.failures.map((failure) => failure.source).sort()).toEqual(["fleet.pdf", "other.pdf"]);
    } finally {
      await broken.close();
    }
  });

  it("is checked when the loader is made", () => {
    expect(() => new SotaOcrLoader("a.pdf", { apiKey: "k", pageImages: "" })).toThrow(/pageImages must be a folder path/);
    expect(() => new SotaOcrLoader("a.pdf", { apiKey: "k", elementSpans: "no" as unknown as boolean })).toThrow(/elementSpans must be/);
  });
});
