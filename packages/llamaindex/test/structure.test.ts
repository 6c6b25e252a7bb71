import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { sha256Hex } from "@sotaocr/core";
import { elementId, flattenMetadata, pageId } from "@sotaocr/core/documents";
import type { ScriptedServer } from "@sotaocr/test-support";
import {
  DocStoreStrategy,
  type Document,
  ImageNode,
  IngestionPipeline,
  MetadataMode,
  SentenceSplitter,
  Settings,
  SimpleDocumentStore,
  SimpleVectorStore,
  storageContextFromDefaults,
  type TextNode,
  VectorStoreIndex,
} from "llamaindex";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chunkSources, pageImageDocuments, SotaOcrError, SotaOcrReader, type SotaOcrReaderOptions } from "../src/index.js";
import { ByteHistogramImageEmbedding, dataPath, HashEmbedding } from "./support.js";
import { startTableServer, TABLE_HTML, TABLE_PDF } from "./table-server.js";

// Document structure through LlamaIndex's own classes, on a result with a table (PaddleOCR-shaped
// JSON from a scripted service: fast, and a table whatever the emulator's engines detect).
let server: ScriptedServer;
let dir: string;
let pdfPath: string;
let sha256: string;
const TABLE_BOX = [144, 380, 1080, 620];

beforeAll(async () => {
  server = await startTableServer();
  dir = await mkdtemp(join(tmpdir(), "sotaocr-li-structure-"));
  pdfPath = join(dir, "trails.pdf");
  await writeFile(pdfPath, TABLE_PDF);
  sha256 = await sha256Hex(new Blob([TABLE_PDF]));
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});
const reader = (options: SotaOcrReaderOptions = {}) => new SotaOcrReader({ apiKey: "sk-test", baseUrl: server.url, ...options });

describe("split: element", () => {
  it("one Document per element: category, box, page size, table HTML, ids by page and order that loadData keeps", async () => {
    const docs = await reader({ split: "element" }).loadData(pdfPath);
    expect(docs.map((doc) => [doc.metadata.page_number, doc.metadata.element_order, doc.metadata.category])).toEqual([
      [1, 1, "title"],
      [1, 2, "text"],
      [1, 3, "table_caption"],
      [1, 4, "table"],
      [2, 1, "heading"],
      [2, 2, "text"],
    ]);
    expect(docs.map((doc) => doc.id_)).toEqual(
      docs.map((doc) => elementId(sha256, doc.metadata.page_number ?? 0, doc.metadata.element_order ?? 0)),
    );
    const table = docs[3];
    expect(table?.text).toBe(
      "| Trail | Length | Elevation gain |\n| --- | --- | --- |\n| Eagle Ridge Loop | 7.2 km | 410 m |\n| Cedar Creek Path | 3.1 km | 85 m |",
    );
    expect(table?.metadata).toEqual({
      file_name: "trails.pdf",
      file_path: pdfPath,
      file_type: "pdf",
      sha256,
      total_pages: 2,
      job_id: "job_tbl",
      format: "markdown",
      page_number: 1,
      page_label: "1",
      angle: 0,
      page_width: 1224,
      page_height: 1584,
      category: "table",
      element_order: 4,
      element_label: "table",
      coordinates: {
        points: [
          [144, 380],
          [144, 620],
          [1080, 620],
          [1080, 380],
        ],
        system: "PixelSpace",
        layout_width: 1224,
        layout_height: 1584,
      },
      text_as_html: TABLE_HTML,
      parent_id: pageId(sha256, 1),
    });
    expect(docs[5]?.metadata).toMatchObject({ page_number: 2, angle: 90, parent_id: pageId(sha256, 2) });
    expect(docs[5]?.metadata).not.toHaveProperty("text_as_html");
    // The page is the element's PARENT (not SOURCE, which ingestion strategies read as "the Document this came from").
    expect(table?.parentNode?.nodeId).toBe(pageId(sha256, 1));
    expect(table?.sourceNode).toBeUndefined();
    const pages = await reader().loadData(pdfPath);
    expect(pages.map((page) => page.id_)).toEqual([pageId(sha256, 1), pageId(sha256, 2)]);
  });

  it("gives each Document metadata of its own, keys in a fixed order: editing one changes no other", async () => {
    const docs = await reader({ split: "element" }).loadData(pdfPath);
    const [title, , , table] = docs;
    expect(Object.keys(table?.metadata ?? {})).toEqual([
      "file_name",
      "file_path",
      "file_type",
      "sha256",
      "total_pages",
      "job_id",
      "format",
      "page_number",
      "page_label",
      "angle",
      "page_width",
      "page_height",
      "category",
      "element_order",
      "coordinates",
      "text_as_html",
      "element_label",
      "parent_id",
    ]);
    const points = (doc: Document | undefined) => (doc?.metadata.coordinates as { points: number[][] } | undefined)?.points;
    const before = structuredClone(docs.map((doc) => [doc.metadata, doc.parentNode?.metadata]));
    (points(title)?.[0] ?? [])[0] = -1;
    if (title?.parentNode?.metadata) title.parentNode.metadata.page_label = "edited";
    if (title) title.metadata.file_name = "edited.pdf";
    expect(docs.slice(1).map((doc) => [doc.metadata, doc.parentNode?.metadata])).toEqual(before.slice(1));
    expect(title?.metadata.page_label).toBe("1");
    expect(title?.parentNode?.metadata.file_name).toBe("trails.pdf");
  });

  it("keeps boxes, HTML, ids and bookkeeping out of embeddings and prompts; category, file and page stay", async () => {
    const [, , , table] = await reader({ split: "element" }).loadDataAsContent(TABLE_PDF, "trails.pdf");
    for (const mode of [MetadataMode.EMBED, MetadataMode.LLM]) {
      const content = table?.getContent(mode) ?? "";
      expect(content.split("\n\n")[0]).toBe(
        `category: table\nfile_name: trails.pdf\npage_label: 1\npage_number: 1${mode === MetadataMode.LLM ? "\ntotal_pages: 2" : ""}`,
      );
    }
    expect(table?.getContent(MetadataMode.ALL)).toContain("text_as_html: <table>");
  });

  it("→ SentenceSplitter → VectorStoreIndex: retrieval gives the table's HTML, its box and its page", async () => {
    const docs = await reader({ split: "element" }).loadData(pdfPath);
    const nodes = await new SentenceSplitter({ chunkSize: 128, chunkOverlap: 0 }).getNodesFromDocuments(docs);
    // Splitters replace a Document's relationships with SOURCE (the element) and copy its metadata: parent_id survives.
    const tableNode = nodes.find((node) => node.metadata.category === "table");
    expect(tableNode?.sourceNode?.nodeId).toBe(elementId(sha256, 1, 4));
    expect(tableNode?.parentNode).toBeUndefined();
    expect(tableNode?.metadata.parent_id).toBe(pageId(sha256, 1));

    const index = await Settings.withEmbedModel(new HashEmbedding(), () => VectorStoreIndex.init({ nodes }));
    const [hit] = await index.asRetriever({ similarityTopK: 1 }).retrieve({ query: "Eagle Ridge Loop trail length and elevation gain" });
    expect(hit?.node.metadata).toMatchObject({
      category: "table",
      page_number: 1,
      text_as_html: TABLE_HTML,
      coordinates: { points: [[144, 380], expect.any(Array), [1080, 620], expect.any(Array)], layout_width: 1224, layout_height: 1584 },
      parent_id: pageId(sha256, 1),
    });
    expect(chunkSources(hit?.node as TextNode)).toEqual([
      { pageNumber: 1, category: "table", order: 4, bbox: TABLE_BOX, pageWidth: 1224, pageHeight: 1584, imagePath: undefined },
    ]);
  });

  it("an IngestionPipeline with a docstore adds nothing on a second run (DUPLICATES_ONLY and UPSERTS)", async () => {
    for (const docStoreStrategy of [DocStoreStrategy.DUPLICATES_ONLY, DocStoreStrategy.UPSERTS]) {
      const embedModel = new HashEmbedding();
      const pipeline = new IngestionPipeline({
        transformations: [new SentenceSplitter({ chunkSize: 128, chunkOverlap: 0 }), embedModel],
        docStore: new SimpleDocumentStore(),
        // UPSERTS needs a vector store (without one, llamaindex falls back to DUPLICATES_ONLY).
        ...(docStoreStrategy === DocStoreStrategy.UPSERTS ? { vectorStore: new SimpleVectorStore({ embedModel }) } : {}),
        docStoreStrategy,
      });
      const first = await pipeline.run({ documents: await reader({ split: "element" }).loadData(pdfPath) });
      expect(first).toHaveLength(6);
      const second = await pipeline.run({ documents: await reader({ split: "element" }).loadDataAsContent(TABLE_PDF, "trails.pdf") });
      expect([docStoreStrategy, second.length]).toEqual([docStoreStrategy, 0]);
    }
  });
});

describe("split: page, and chunkSources", () => {
  it("a chunk of a page leads back to the elements and boxes it came from, also after a vector index", async () => {
    const [page] = await reader().loadDataAsContent(TABLE_PDF, "trails.pdf");
    expect(
      page?.metadata.element_spans?.map((span) => [span.order, span.category, page.text.slice(span.start, span.end).slice(0, 12)]),
    ).toEqual([
      [1, "title", "Hiking Trail"],
      [2, "text", "The valley o"],
      [3, "table_caption", "Table 1: Tra"],
      [4, "table", "Trail | Leng"],
    ]);
    for (const mode of [MetadataMode.EMBED, MetadataMode.LLM]) expect(page?.getContent(mode)).not.toMatch(/element_spans|bbox|sha256/);
    const nodes = await new SentenceSplitter({ chunkSize: 60, chunkOverlap: 0 }).getNodesFromDocuments([page as Document]);
    expect(nodes.length).toBeGreaterThan(1);
    const sources = nodes.map((node) => chunkSources(node).map((source) => source.category));
    expect(sources[0]).toContain("title");
    expect(sources.at(-1)).toEqual(["table"]);
    expect(chunkSources(nodes.at(-1) as TextNode)[0]).toMatchObject({ pageNumber: 1, bbox: TABLE_BOX, pageWidth: 1224, pageHeight: 1584 });
    // The whole page (no offsets): every element.
    expect(chunkSources(page as Document)).toHaveLength(4);

    // Through an index (a docstore round trip drops a startCharIdx of 0): the same sources.
    const index = await Settings.withEmbedModel(new HashEmbedding(), () => VectorStoreIndex.init({ nodes }));
    const hits = await index.asRetriever({ similarityTopK: nodes.length }).retrieve({ query: "valley hiking trails walker" });
    for (const hit of hits) {
      const original = nodes.find((node) => node.id_ === hit.node.id_) as TextNode;
      expect(chunkSources(hit.node as TextNode)).toEqual(chunkSources(original));
    }
    // Flattened for a flat-only store: read alike.
    const flat = { ...nodes.at(-1), metadata: flattenMetadata((nodes.at(-1) as TextNode).metadata) };
    expect(chunkSources(flat as TextNode)).toEqual(chunkSources(nodes.at(-1) as TextNode));
  });
});

describe("split: file", () => {
  it("one Document with page markers (configurable), no page number", async () => {
    const [file] = await reader({ split: "file" }).loadDataAsContent(TABLE_PDF, "trails.pdf");
    expect(file?.text.startsWith("<!-- page 1 -->\n\n# Hiking Trails of the Valley")).toBe(true);
    expect(file?.text).toContain("| 3.1 km | 85 m |\n\n<!-- page 2 -->\n\n## Safety");
    expect(file?.metadata).not.toHaveProperty("page_number");
    expect(chunkSources(file as Document)).toEqual([]);
    const [marked] = await reader({ split: "file", pageMarker: "--- page {pageNumber} ---" }).loadDataAsContent(TABLE_PDF, "trails.pdf");
    expect(marked?.text.split("\n\n").filter((line) => line.startsWith("---"))).toEqual(["--- page 1 ---", "--- page 2 ---"]);
  });
});

describe("pageImages", () => {
  it("is a folder; one that cannot be written is an error, recorded in reader.failures", async () => {
    expect(() => reader({ pageImages: "" })).toThrow(SotaOcrError);
    const failing = reader({ pageImages: pdfPath }); // a file, not a folder
    await expect(failing.loadData(pdfPath)).rejects.toThrow();
    expect(failing.failures.map((failure) => failure.source)).toEqual([pdfPath]);
  });

  it("writes each page's image once, names it in metadata, and gives ImageDocuments a multimodal index retrieves", async () => {
    const folder = join(dir, "images");
    const docs = await reader({ split: "element", pageImages: folder }).loadData(pdfPath);
    const previews = () => server.requests.filter((request) => request.path.endsWith("/preview")).length;
    const fetched = previews();
    expect(new Set(docs.map((doc) => doc.metadata.image_path))).toEqual(
      new Set([join(folder, `${sha256.slice(0, 16)}-p1.png`), join(folder, `${sha256.slice(0, 16)}-p2.jpg`)]),
    );
    expect(await readFile(docs[0]?.metadata.image_path ?? "")).toEqual(await readFile(dataPath("page.png")));
    // Loaded again (page or file mode): the images are there, not fetched again; a folder elsewhere changes no hash.
    const pages = await reader({ pageImages: folder }).loadData(pdfPath);
    const [file] = await reader({ split: "file", pageImages: folder }).loadData(pdfPath);
    expect(previews()).toBe(fetched);
    expect(file?.metadata.page_images?.map((image) => image.page_number)).toEqual([1, 2]);
    expect(pages.map((page) => page.hash)).toEqual((await reader().loadData(pdfPath)).map((page) => page.hash));

    const images = pageImageDocuments(docs);
    expect(pageImageDocuments(pages).map((image) => image.id_)).toEqual(images.map((image) => image.id_));
    expect(pageImageDocuments([file as Document]).map((image) => image.id_)).toEqual(images.map((image) => image.id_));
    expect(images.map((image) => [image.id_, image.image, image.metadata.page_number, image.metadata.page_width])).toEqual([
      [docs[0]?.metadata.image_path, docs[0]?.metadata.image_path, 1, 1224],
      [docs[5]?.metadata.image_path, docs[5]?.metadata.image_path, 2, 1224],
    ]);

    const embedModel = new ByteHistogramImageEmbedding();
    const hits = await Settings.withEmbedModel(embedModel, async () => {
      const storageContext = await storageContextFromDefaults({
        vectorStores: { TEXT: new SimpleVectorStore({ embedModel }), IMAGE: new SimpleVectorStore({ embedModel }) },
      });
      const index = await VectorStoreIndex.init({ nodes: images, storageContext });
      // Ask with page 2's picture: its ImageDocument comes first, with its page's metadata.
      const query = [{ type: "image_url" as const, image_url: { url: pathToFileURL(images[1]?.image as string).href } }];
      return index.asRetriever({ topK: { TEXT: 1, IMAGE: 2, AUDIO: 1 } }).retrieve({ query });
    });
    expect(embedModel.seen.slice(0, 2)).toEqual(images.map((image) => image.image));
    expect(hits[0]?.node).toBeInstanceOf(ImageNode);
    expect(hits[0]?.node.metadata).toMatchObject({ file_name: "trails.pdf", page_number: 2, image_path: images[1]?.id_ });
    expect(hits[0]?.score).toBeCloseTo(1, 6);
    expect((hits[1]?.score ?? 1) < 0.999).toBe(true);
    // LlamaIndex rebuilds a retrieved image from its id_: the file.
    expect(String((hits[0]?.node as ImageNode | undefined)?.image)).toBe(pathToFileURL(images[1]?.id_ ?? "").href);
  });
});
