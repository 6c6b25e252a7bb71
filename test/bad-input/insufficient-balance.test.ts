import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SimpleDirectoryReader } from "@llamaindex/readers/directory";
import * as core from "@sotaocr/core";
import { SotaOcrClient } from "@sotaocr/core";
import { SotaOcrLoader } from "@sotaocr/langchain";
import { SotaOcrReader } from "@sotaocr/llamaindex";
import { job, makePdf, type ScriptedServer, startScriptedServer } from "@sotaocr/test-support";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

// A 402 `insufficient_balance` is about the account, not the file: like a refused key, it stops
// every file of a load, and no further upload is attempted after it.
const { InsufficientBalanceError } = core as unknown as { InsufficientBalanceError: abstract new (...args: never[]) => core.APIError };

let server: ScriptedServer;
let dir: string;
const files: string[] = [];
const noPages = { status: 402, json: { error: { code: "insufficient_balance", message: "This API key has no pages left." } } };

beforeAll(async () => {
  server = await startScriptedServer();
  dir = await mkdtemp(join(tmpdir(), "sotaocr-402-"));
  await mkdir(join(dir, "docs"));
  for (let i = 0; i < 6; i++) {
    const path = join(dir, "docs", `file-${i}.pdf`);
    await writeFile(path, makePdf([`page of file ${i}`]));
    files.push(path);
  }
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});
let tests = 0;
beforeEach(() => {
  key = `sk-test-402-${tests++}`;
  server.on("POST /v1/extract", noPages);
  server.on("GET /v1/balance", { json: { remaining_pages: 0 } });
});

// A key per test, so uploads a previous test aborted and the server saw late are not counted.
let key = "";
const options = () => ({ apiKey: key, baseUrl: server.url });
const uploads = () => server.requestsTo("POST /v1/extract").filter((request) => request.headers.authorization === `Bearer ${key}`).length;

describe("402 insufficient_balance", () => {
  it("is an InsufficientBalanceError (exported) that says to check the balance and top up, never retried", async () => {
    const error = await new SotaOcrClient({ ...options(), maxRetries: 2 }).extract(files[0] as string).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InsufficientBalanceError);
    expect(error).toBeInstanceOf(core.APIError);
    expect(error).toMatchObject({ status: 402, code: "insufficient_balance", name: "InsufficientBalanceError" });
    expect((error as Error).message).toMatch(/getBalance\(\).*top up/);
    expect((error as Error).message).toMatch(/No job was created/);
    expect(uploads()).toBe(1);
  });

  it.each(["skip", "throw"] as const)("stops a SotaOcrLoader of 6 files (onError %s): one upload, then none", async (onError) => {
    const loader = new SotaOcrLoader(files, { ...options(), concurrency: 1, onError });
    await expect(loader.load()).rejects.toBeInstanceOf(InsufficientBalanceError);
    expect(uploads()).toBe(1);
    expect(loader.failures).toEqual([]);
  });

  it("stops a SotaOcrLoader with concurrency 3: no file beyond those already in flight is uploaded", async () => {
    const loader = new SotaOcrLoader(files, { ...options(), concurrency: 3, onError: () => {} });
    await expect(loader.load()).rejects.toBeInstanceOf(InsufficientBalanceError);
    expect(uploads()).toBeLessThanOrEqual(3);
  });

  it("ocrMany yields the files after it as not uploaded, each an InsufficientBalanceError", async () => {
    const items = [];
    for await (const item of new SotaOcrClient(options()).ocrMany(files, { concurrency: 1 })) items.push(item);
    expect(uploads()).toBe(1);
    expect(items.map((item) => item.error?.name)).toEqual(Array(6).fill("InsufficientBalanceError"));
    expect(items.slice(1).map((item) => item.error?.message)).toEqual(
      files.slice(1).map((file) => expect.stringMatching(new RegExp(`^${file}: not uploaded: .*402.*getBalance\\(\\)`))),
    );
  });

  it("stops a SimpleDirectoryReader load through SotaOcrReader: after the 402, a balance check and no upload", async () => {
    const reader = new SotaOcrReader(options());
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const docs = await new SimpleDirectoryReader().loadData({ directoryPath: join(dir, "docs"), fileExtToReader: { pdf: reader } });
      expect(docs).toEqual([]);
    } finally {
      logged.mockRestore();
    }
    expect(uploads()).toBe(1);
    expect(server.requestsTo("GET /v1/balance").length).toBeGreaterThanOrEqual(1);
    expect(reader.failures).toHaveLength(6);
    for (const failure of reader.failures) expect(failure.error).toBeInstanceOf(InsufficientBalanceError);
    expect(reader.failures[1]?.error.message).toMatch(/not uploaded: .*no pages left.*Top up/);

    // Topped up: the same reader uploads again.
    server.on("GET /v1/balance", { json: { remaining_pages: 50 } });
    server.on("POST /v1/extract", job("job_after_top_up", "pending"));
    server.on("GET /v1/jobs/job_after_top_up", job("job_after_top_up", "completed", 1, 1));
    server.on("GET /v1/jobs/job_after_top_up/result", { json: { page_count: 1, pages: [{ page_number: 1, markdown: "paid" }] } });
    expect((await reader.loadData(files[0] as string)).map((doc) => doc.text)).toEqual(["paid"]);
    expect(uploads()).toBe(2);
  });
});
