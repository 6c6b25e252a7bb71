import { appendFile, copyFile, mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Emulator, startEmulator } from "@sotaocr/emulator";
import { type HoldingProxy, startHoldingProxy } from "@sotaocr/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FileChangedError, SotaOcrLoader } from "../src/index.js";
import { dataPath } from "./support.js";

let emulator: Emulator;
let proxy: HoldingProxy;
let dir: string;

beforeAll(async () => {
  emulator = await startEmulator({ engine: "synthetic" });
  // Holds only an upload past its first MiB: the big file's, never the samples'.
  proxy = await startHoldingProxy(emulator.url, { holdAfterBytes: 1024 * 1024 });
  dir = await mkdtemp(join(tmpdir(), "sotaocr-loader-inputs-"));
});
afterAll(async () => {
  await Promise.all([proxy?.close(), emulator?.close()]);
  await rm(dir, { recursive: true, force: true });
});

describe("a file that changes while the loader sends it", () => {
  it('with onError: "skip" is recorded as a FileChangedError, and the other files load', async () => {
    const growing = join(dir, "growing.pdf");
    const file = await open(growing, "w");
    await file.write("%PDF-1.7\n", 0);
    await file.write("\n%%EOF\n", 64 * 1024 * 1024 - 7); // sparse: 64 MiB to read, no disk space
    await file.close();
    const files = [dataPath("report.pdf"), growing, dataPath("page.png")];
    const loader = new SotaOcrLoader(files, { apiKey: emulator.apiKey, baseUrl: proxy.url, onError: "skip", concurrency: 3 });
    const loading = loader.load();
    const release = await proxy.held();
    await appendFile(growing, "a line written while it was being sent\n");
    release();
    const docs = await loading;
    expect([...new Set(docs.map((doc) => doc.metadata.source))]).toEqual([dataPath("report.pdf"), dataPath("page.png")]);
    expect(loader.failures).toHaveLength(1);
    expect(loader.failures[0]?.source).toBe(growing);
    expect(loader.failures[0]?.error).toBeInstanceOf(FileChangedError);
    expect(emulator.log.uploads().filter((upload) => upload.jobId !== undefined)).toHaveLength(2);
  });
});

describe("the same file given twice in one load", () => {
  it("is uploaded once and gives its pages once, under the first path (no duplicate ids)", async () => {
    const copy = join(dir, "copy-of-report.pdf");
    await copyFile(dataPath("report.pdf"), copy);
    emulator.log.clear();
    const files = [dataPath("report.pdf"), dataPath("page.png"), dataPath("report.pdf"), copy];
    const loader = new SotaOcrLoader(files, { apiKey: emulator.apiKey, baseUrl: emulator.url, concurrency: 4 });
    const docs = await loader.load();
    expect(Object.values(emulator.log.uploadCountBySha256())).toEqual([1, 1]);
    expect(docs.map((doc) => [doc.metadata.source, doc.metadata.loc?.pageNumber])).toEqual([
      [dataPath("report.pdf"), 1],
      [dataPath("report.pdf"), 2],
      [dataPath("report.pdf"), 3],
      [dataPath("page.png"), 1],
    ]);
    expect(new Set(docs.map((doc) => doc.id)).size).toBe(4);
    expect(loader.failures).toEqual([]);
    // lazyLoad keeps the same rule (one more upload each: a new load is a new run).
    const lazy: string[] = [];
    for await (const doc of loader.lazyLoad()) lazy.push(doc.id as string);
    expect(lazy.sort()).toEqual(docs.map((doc) => doc.id as string).sort());
    expect(Object.values(emulator.log.uploadCountBySha256())).toEqual([2, 2]);
  });
});
