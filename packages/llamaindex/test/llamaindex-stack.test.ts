import { copyFile, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Emulator, startEmulator } from "@sotaocr/emulator";
import {
  DocStoreStrategy,
  Document,
  FileReader,
  IngestionPipeline,
  SentenceSplitter,
  Settings,
  SimpleDocumentStore,
  SimpleVectorStore,
  VectorStoreIndex,
} from "llamaindex";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SotaOcrReader } from "../src/index.js";
import { dataPath, HashEmbedding } from "./support.js";

// The user's stack is the `llamaindex` package: the reader must be its FileReader, and its
// documents its Documents (the one @llamaindex/core that llamaindex pins), all the way to a query.
let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ engine: "local" });
});
afterAll(() => emulator?.close());
const on = () => ({ apiKey: emulator.apiKey, baseUrl: emulator.url });

describe("with the llamaindex package", () => {
  it("peers on llamaindex alone and imports only from it, so the user's llamaindex brings the one @llamaindex/core", async () => {
    const pkg = JSON.parse(await readFile(new URL("../package.json", import.meta.url), "utf8"));
    expect(pkg.peerDependencies).toEqual({ llamaindex: expect.any(String) });
    expect(Object.keys(pkg.dependencies).filter((name) => name.includes("llamaindex"))).toEqual([]);
    const src = new URL("../src/", import.meta.url);
    const imports: string[] = [];
    for (const file of await readdir(src)) {
      const text = await readFile(new URL(file, src), "utf8");
      imports.push(...[...text.matchAll(/from "((?:@llamaindex\/|llamaindex)[^"]*)"/g)].map((match) => match[1] as string));
    }
    expect(new Set(imports)).toEqual(new Set(["llamaindex"]));
  });

  it("is llamaindex's own FileReader and makes its Documents", async () => {
    const reader = new SotaOcrReader(on());
    expect(reader).toBeInstanceOf(FileReader);
    const docs = await reader.loadData(dataPath("report.pdf"));
    expect(docs[0]).toBeInstanceOf(Document);
  });

  it("an IngestionPipeline with a sentence splitter and a docstore adds nothing on a second run", async () => {
    const docStore = new SimpleDocumentStore();
    const pipeline = new IngestionPipeline({
      transformations: [new SentenceSplitter({ chunkSize: 128, chunkOverlap: 0 })],
      docStore,
      docStoreStrategy: DocStoreStrategy.DUPLICATES_ONLY,
    });
    const first = await pipeline.run({ documents: await new SotaOcrReader(on()).loadData(dataPath("report.pdf")) });
    expect(first.length).toBeGreaterThanOrEqual(3);
    expect(new Set(first.map((node) => node.metadata.page_number))).toEqual(new Set([1, 2, 3]));
    // A new reader and new jobs over the same file: the same pages, so nothing new.
    const second = await pipeline.run({ documents: await new SotaOcrReader(on()).loadData(dataPath("report.pdf")) });
    expect(second).toEqual([]);
    // Bytes of the same file are the same documents too.
    const bytes = new Uint8Array(await readFile(dataPath("report.pdf")));
    const third = await pipeline.run({ documents: await new SotaOcrReader(on()).loadDataAsContent(bytes, "report.pdf") });
    expect(third).toEqual([]);
  });

  it("with UPSERTS (matching by document id), a copy of the files in another folder adds nothing", async () => {
    const copies = await mkdtemp(join(tmpdir(), "sotaocr-upserts-"));
    try {
      for (const name of ["report.pdf", "page.png"]) await copyFile(dataPath(name), join(copies, name));
      // UPSERTS needs a vector store (without one, llamaindex falls back to DUPLICATES_ONLY).
      const vectorStore = new SimpleVectorStore({ embedModel: new HashEmbedding() });
      const pipeline = new IngestionPipeline({
        transformations: [new SentenceSplitter({ chunkSize: 128, chunkOverlap: 0 }), new HashEmbedding()],
        docStore: new SimpleDocumentStore(),
        vectorStore,
        docStoreStrategy: DocStoreStrategy.UPSERTS,
      });
      const load = async (folder: (name: string) => string) => {
        const reader = new SotaOcrReader(on());
        return [...(await reader.loadData(folder("report.pdf"))), ...(await reader.loadData(folder("page.png")))];
      };
      const first = await pipeline.run({ documents: await load(dataPath) });
      expect(new Set(first.map((node) => `${node.metadata.file_name}:${node.metadata.page_number}`)).size).toBe(4);
      expect(await pipeline.run({ documents: await load((name) => join(copies, name)) })).toEqual([]);
    } finally {
      await rm(copies, { recursive: true, force: true });
    }
    // Four real OCR jobs (the local engine reads the PNG twice): ~16 s alone, over 30 s at load 10.
  }, 90_000);

  it("a VectorStoreIndex over the pages answers a retrieval query with the right page", async () => {
    const docs = await new SotaOcrReader(on()).loadData(dataPath("report.pdf"));
    Settings.embedModel = new HashEmbedding();
    const index = await VectorStoreIndex.fromDocuments(docs);
    const retriever = index.asRetriever({ similarityTopK: 1 });
    const [hit] = await retriever.retrieve({ query: "cleaning and inspecting rooftop solar panels" });
    expect(hit?.node.metadata.page_number).toBe(2);
  });
});
