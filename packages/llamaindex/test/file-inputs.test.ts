import { appendFile, copyFile, mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SimpleDirectoryReader } from "@llamaindex/readers/directory";
import { type Emulator, startEmulator } from "@sotaocr/emulator";
import { type HoldingProxy, startHoldingProxy } from "@sotaocr/test-support";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { FileChangedError, SotaOcrReader } from "../src/index.js";
import { dataPath } from "./support.js";

let emulator: Emulator;
let proxy: HoldingProxy;
let dir: string;

beforeAll(async () => {
  emulator = await startEmulator({ engine: "synthetic" });
  // Holds only an upload past its first MiB: the big file's, never the samples'.
  proxy = await startHoldingProxy(emulator.url, { holdAfterBytes: 1024 * 1024 });
  dir = await mkdtemp(join(tmpdir(), "sotaocr-reader-inputs-"));
});
afterAll(async () => {
  await Promise.all([proxy?.close(), emulator?.close()]);
  await rm(dir, { recursive: true, force: true });
});

describe("a file that changes while the reader sends it", () => {
  it("in a SimpleDirectoryReader load is left out with a FileChangedError in reader.failures; the other files load", async () => {
    const folder = await mkdtemp(join(dir, "changing-"));
    await copyFile(dataPath("report.pdf"), join(folder, "report.pdf"));
    await copyFile(dataPath("page.png"), join(folder, "page.png"));
    const growing = join(folder, "growing.pdf");
    const file = await open(growing, "w");
    await file.write("%PDF-1.7\n", 0);
    await file.write("\n%%EOF\n", 64 * 1024 * 1024 - 7); // sparse: 64 MiB to read, no disk space
    await file.close();
    const reader = new SotaOcrReader({ apiKey: emulator.apiKey, baseUrl: proxy.url });
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const loading = new SimpleDirectoryReader().loadData({
        directoryPath: folder,
        fileExtToReader: { pdf: reader, png: reader },
        numWorkers: 3,
      });
      const release = await proxy.held();
      await appendFile(growing, "a line written while it was being sent\n");
      release();
      const docs = await loading;
      expect(docs.map((doc) => doc.metadata.file_name).sort()).toEqual(["page.png", "report.pdf", "report.pdf", "report.pdf"]);
    } finally {
      logged.mockRestore();
    }
    expect(reader.failures).toHaveLength(1);
    expect(reader.failures[0]?.source).toBe(growing);
    expect(reader.failures[0]?.error).toBeInstanceOf(FileChangedError);
  });
});
