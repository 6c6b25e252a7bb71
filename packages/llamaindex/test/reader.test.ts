import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SimpleDirectoryReader } from "@llamaindex/readers/directory";
import { sha256Hex } from "@sotaocr/core";
import { pageId } from "@sotaocr/core/documents";
import { type Emulator, startEmulator } from "@sotaocr/emulator";
import { job, makePdf, startScriptedServer } from "@sotaocr/test-support";
import { MetadataMode } from "llamaindex";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  AbortError,
  AuthenticationError,
  DownloadError,
  InvalidInputError,
  InvalidResponseError,
  JobFailedError,
  SotaOcrReader,
} from "../src/index.js";
import { collapse, dataPath, groundTruth } from "./support.js";

let local: Emulator;
let synthetic: Emulator;
let dir: string;
const on = (emulator: Emulator) => ({ apiKey: emulator.apiKey, baseUrl: emulator.url });

beforeAll(async () => {
  [local, synthetic] = await Promise.all([
    startEmulator({ engine: "local" }),
    startEmulator({ engine: "synthetic", synthetic: { msPerPage: 100 } }),
  ]);
  dir = await mkdtemp(join(tmpdir(), "sotaocr-llamaindex-"));
  await mkdir(join(dir, "docs/nested"), { recursive: true });
  await copyFile(dataPath("report.pdf"), join(dir, "docs/report.pdf"));
  await copyFile(dataPath("page.png"), join(dir, "docs/nested/page.png"));
  await copyFile(dataPath("page.jpg"), join(dir, "docs/page.jpeg"));
  await writeFile(join(dir, "docs/notes.txt"), "not for OCR");
});
afterAll(async () => {
  await Promise.all([local?.close(), synthetic?.close()]);
  await rm(dir, { recursive: true, force: true });
});

describe("SotaOcrReader", () => {
  it("loadData: a 3-page PDF gives 3 Documents with text, metadata and stable ids", async () => {
    const path = dataPath("report.pdf");
    const sha256 = await sha256Hex(new Blob([await readFile(path)]));
    const docs = await new SotaOcrReader(on(local)).loadData(path);
    expect(docs.map((doc) => collapse(doc.text))).toEqual(groundTruth["report.pdf"]?.map(collapse));
    expect(docs.map((doc) => doc.metadata)).toEqual(
      [1, 2, 3].map((page) => ({
        file_name: "report.pdf",
        file_path: path,
        file_type: "pdf",
        sha256,
        page_number: page,
        page_label: String(page),
        total_pages: 3,
        angle: 0,
        page_width: 1224,
        page_height: 1584,
        job_id: expect.stringMatching(/^job_/),
        format: "markdown",
        element_spans: expect.arrayContaining([expect.objectContaining({ order: 1, category: "title", bbox: expect.any(Array) })]),
      })),
    );
    expect(docs.map((doc) => doc.id_)).toEqual([1, 2, 3].map((page) => pageId(sha256, page)));
    const again = await new SotaOcrReader(on(local)).loadData(path);
    expect(again.map((doc) => doc.id_)).toEqual(docs.map((doc) => doc.id_));
    expect(again.map((doc) => doc.hash)).toEqual(docs.map((doc) => doc.hash));
    expect(again[0]?.metadata.job_id).not.toBe(docs[0]?.metadata.job_id);
    expect(docs[0]?.id_).not.toContain(path);
  });

  it("loadDataAsContent: the same pages and ids from bytes", async () => {
    const bytes = await readFile(dataPath("report.pdf"));
    const reader = new SotaOcrReader(on(local));
    const fromBytes = await reader.loadDataAsContent(new Uint8Array(bytes), "report.pdf");
    const fromPath = await reader.loadData(dataPath("report.pdf"));
    expect(fromBytes.map((doc) => doc.text)).toEqual(fromPath.map((doc) => doc.text));
    expect(fromBytes.map((doc) => doc.id_)).toEqual(fromPath.map((doc) => doc.id_));
    expect(fromBytes[0]?.metadata.file_name).toBe("report.pdf");
    expect(fromBytes[0]?.metadata.file_path).toBeUndefined();
  });

  it("keeps original page numbers with page ranges", async () => {
    const docs = await new SotaOcrReader({ ...on(local), pageRanges: [{ start: 3, end: 3 }] }).loadData(dataPath("report.pdf"));
    expect(docs.map((doc) => [doc.metadata.page_number, collapse(doc.text)])).toEqual([
      [3, collapse(groundTruth["report.pdf"]?.[2] ?? "x")],
    ]);
    // The document's total is not known from a ranged job: no total_pages that would say 1.
    expect(docs[0]?.metadata).toMatchObject({ pages_processed: 1 });
    expect(docs[0]?.metadata).not.toHaveProperty("total_pages");
    expect(docs[0]?.getContent(MetadataMode.LLM)).not.toContain("pages_processed");
  });

  it("loadData of an http(s) URL downloads it first, as the base class does", async () => {
    const files = createServer(async (request, response) => {
      if (request.url === "/files/slow.pdf") return; // never answers
      if (request.url === "/files/huge.pdf") return response.writeHead(200, { "content-length": String(2 ** 30) }).write("%PDF-");
      if (request.url === "/files/stalls.pdf") return response.writeHead(200, { "content-length": "100000" }).write("%PDF-");
      if (request.url !== "/files/report.pdf") return response.writeHead(404).end();
      response.writeHead(200, { "content-type": "application/pdf" }).end(await readFile(dataPath("report.pdf")));
    });
    await new Promise<void>((done) => files.listen(0, "127.0.0.1", done));
    try {
      const base = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
      const reader = new SotaOcrReader(on(synthetic));
      const docs = await reader.loadData(`${base}/files/report.pdf`);
      expect(docs.map((doc) => [doc.metadata.page_number, doc.metadata.file_name, doc.metadata.file_path])).toEqual(
        [1, 2, 3].map((page) => [page, "report.pdf", `${base}/files/report.pdf`]),
      );
      expect(docs[0]?.id_).toBe((await reader.loadData(dataPath("report.pdf")))[0]?.id_);
      // A timeoutMs too long for a Node timer means no limit, for the download too (core's timer rule).
      const unbounded = new SotaOcrReader({ ...on(synthetic), timeoutMs: Infinity });
      expect(await unbounded.loadData(`${base}/files/report.pdf`)).toHaveLength(3);
      const missing = await reader.loadData(`${base}/files/gone.pdf`).catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(InvalidInputError);
      expect(missing).toBeInstanceOf(DownloadError);
      expect((missing as Error).message).toMatch(/Cannot download .*gone\.pdf: it answered 404\./);
      // Bounded: a body declared over the cap is refused unread; one that stalls ends at the download's time limit.
      const huge = await reader.loadData(`${base}/files/huge.pdf`).catch((e: unknown) => e);
      expect(huge).toMatchObject({ name: "DownloadError", problem: "too_large", limitBytes: 256 * 1024 * 1024 });
      const bounded = new SotaOcrReader({ ...on(synthetic), download: { timeoutMs: 300 } });
      const stalled = await bounded.loadData(`${base}/files/stalls.pdf`).catch((e: unknown) => e);
      expect(stalled).toMatchObject({ name: "DownloadError", problem: "timeout" });
      expect(reader.failures.map((failure) => failure.source)).toEqual([`${base}/files/gone.pdf`, `${base}/files/huge.pdf`]);
      expect(bounded.failures.map((failure) => failure.error)).toEqual([stalled]);
      // The reader's signal stops a download too, as an AbortError.
      const controller = new AbortController();
      const slow = new SotaOcrReader({ ...on(synthetic), signal: controller.signal }).loadData(`${base}/files/slow.pdf`);
      setTimeout(() => controller.abort(), 100);
      await expect(slow).rejects.toBeInstanceOf(AbortError);
    } finally {
      files.closeAllConnections();
      files.close();
    }
  });

  it("hides bookkeeping from embeddings and prompts, keeps file name and page", async () => {
    const [doc] = await new SotaOcrReader(on(synthetic)).loadData(dataPath("page.png"));
    const embed = doc?.getContent(MetadataMode.EMBED) ?? "";
    const llm = doc?.getContent(MetadataMode.LLM) ?? "";
    for (const content of [embed, llm]) {
      expect(content).toContain("file_name: page.png");
      expect(content).toContain("page_number: 1");
      expect(content).not.toContain("job_id");
      expect(content).not.toContain("file_path");
      expect(content).not.toContain("format");
    }
    expect(llm).toContain("total_pages: 1");
    expect(embed).not.toContain("total_pages");
    expect(doc?.getContent(MetadataMode.ALL)).toContain("job_id: job_");
  });

  it("throws typed errors instead of returning nothing, and records them", async () => {
    const png = await sha256Hex(new Blob([await readFile(dataPath("page.png"))]));
    const failing = await startEmulator({ engine: "synthetic", faults: { failFiles: [png] } });
    try {
      const reader = new SotaOcrReader(on(failing));
      await expect(reader.loadData(dataPath("page.png"))).rejects.toBeInstanceOf(JobFailedError);
      await expect(reader.loadData(join(dir, "missing.pdf"))).rejects.toBeInstanceOf(InvalidInputError);
      await expect(new SotaOcrReader({ ...on(failing), apiKey: "wrong-key" }).loadData(dataPath("page.jpg"))).rejects.toBeInstanceOf(
        AuthenticationError,
      );
      expect(reader.failures.map((failure) => [failure.source, failure.error.name])).toEqual([
        [dataPath("page.png"), "JobFailedError"],
        [join(dir, "missing.pdf"), "InvalidInputError"],
      ]);
    } finally {
      await failing.close();
    }
  });
});

describe("SimpleDirectoryReader", () => {
  it("a result with a page twice is an error, never two Documents with one id", async () => {
    const server = await startScriptedServer();
    try {
      const pages = [1, 2, 2].map((n) => ({ page_number: n, markdown: `Page ${n}` }));
      server
        .on("POST /v1/extract", job("job_dup", "pending"))
        .on("GET /v1/jobs/job_dup", job("job_dup", "completed", 3, 3))
        .on("GET /v1/jobs/job_dup/result", { json: { job_id: "job_dup", page_count: 3, pages } });
      const reader = new SotaOcrReader({ apiKey: "sk-test", baseUrl: server.url });
      const error = await reader.loadDataAsContent(makePdf(["one", "two", "three"]), "dup.pdf").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidResponseError);
      expect((error as Error).message).toMatch(/job job_dup.*page 3 missing; page 2 twice/);
      expect(server.requestsTo("GET /v1/jobs/job_dup/result")).toHaveLength(1); // no wait fixes a page twice
      expect(reader.failures.map((failure) => failure.error.name)).toEqual(["InvalidResponseError"]);
    } finally {
      await server.close();
    }
  });

  it("reads pdf/png/jpg/jpeg through SotaOcrReader: one Document per page per file", async () => {
    const reader = new SotaOcrReader(on(synthetic));
    const docs = await new SimpleDirectoryReader().loadData({
      directoryPath: join(dir, "docs"),
      fileExtToReader: { pdf: reader, png: reader, jpg: reader, jpeg: reader },
      defaultReader: null as never, // no reader for other files (notes.txt), instead of reading them as text
      numWorkers: 4,
    });
    const pages = docs.map((doc) => `${doc.metadata.file_name}#${doc.metadata.page_number}`).sort();
    expect(pages).toEqual(["page.jpeg#1", "page.png#1", "report.pdf#1", "report.pdf#2", "report.pdf#3"]);
  });

  it("only logs reader errors (its own behaviour): reader.failures says what was left out", async () => {
    const reader = new SotaOcrReader({ ...on(synthetic), apiKey: "wrong-key" });
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const docs = await new SimpleDirectoryReader().loadData({
        directoryPath: join(dir, "docs/nested"),
        fileExtToReader: { png: reader },
      });
      expect(docs).toEqual([]);
      expect(logged).toHaveBeenCalledWith(expect.stringContaining("Error reading file"));
    } finally {
      logged.mockRestore();
    }
    expect(reader.failures).toHaveLength(1);
    expect(reader.failures[0]?.error).toBeInstanceOf(AuthenticationError);
  });
});
