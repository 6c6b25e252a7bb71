import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isSotaOcrError, SotaOcrClient } from "@sotaocr/core";
import { type Emulator, startEmulator } from "@sotaocr/emulator";
import { makePdf } from "@sotaocr/test-support";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";

// The result cache and the job journal, against the emulator: what a user sees across runs,
// crashes and parallel processes, counted in uploads (pages billed) and requests.
const CORE = new URL("../../packages/core/dist/index.js", import.meta.url).href;
let emulator: Emulator;
let cacheDir: string;
const pdf = (tag: string) => makePdf([`${tag} one`, `${tag} two`, `${tag} three`]);

beforeAll(async () => {
  // 400 ms a page: a 3-page job takes 1.2 s, long enough to interrupt it mid-poll.
  emulator = await startEmulator({ engine: "synthetic", synthetic: { msPerPage: 400 } });
});
afterAll(() => emulator?.close());
beforeEach(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), "sotaocr-cache-"));
  emulator.log.clear();
});
afterEach(() => rm(cacheDir, { recursive: true, force: true }));

const client = (options: ConstructorParameters<typeof SotaOcrClient>[0] = {}) =>
  new SotaOcrClient({ apiKey: emulator.apiKey, baseUrl: emulator.url, cache: cacheDir, ...options });
const uploads = () => emulator.log.uploads().length;
const pagesOf = (result: { pages: { pageNumber: number; content: string }[] }) =>
  result.pages.map((page) => [page.pageNumber, page.content]);

/** Runs `ocr` of `file` with the cache in a separate Node process; resolves with its output lines. */
function child(
  file: string,
  onLine?: (line: string, process: ChildProcess) => void,
): Promise<{ code: number | null; signal: string | null; lines: string[] }> {
  const script = `
    import { SotaOcrClient } from ${JSON.stringify(CORE)};
    const client = new SotaOcrClient({ apiKey: process.env.KEY, baseUrl: process.env.URL, cache: process.env.CACHE });
    const result = await client.ocr(process.env.FILE, { onProgress: (p) => console.log("progress " + p.status + " " + p.jobId) });
    console.log("result " + JSON.stringify(result.pages.map((page) => [page.pageNumber, page.content])));`;
  const proc = spawn(process.execPath, ["--input-type=module", "-e", script], {
    env: { PATH: process.env.PATH, KEY: emulator.apiKey, URL: emulator.url, CACHE: cacheDir, FILE: file },
  });
  const lines: string[] = [];
  let buffered = "";
  proc.stdout.on("data", (chunk: Buffer) => {
    buffered += chunk.toString();
    for (let newline = buffered.indexOf("\n"); newline >= 0; newline = buffered.indexOf("\n")) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      lines.push(line);
      onLine?.(line, proc);
    }
  });
  return new Promise((resolve) => proc.on("exit", (code, signal) => resolve({ code, signal, lines })));
}

describe("result cache", () => {
  it("a second load of the same file costs no request at all", async () => {
    const first = await client().ocr(pdf("a"));
    const requests = emulator.log.entries.length;
    const second = await client().ocr(pdf("a"));
    expect(emulator.log.entries.length).toBe(requests);
    expect(pagesOf(second)).toEqual(pagesOf(first));
    expect(second.jobId).toBe(first.jobId);
  });

  it("is keyed by bytes, page ranges, model profile and format", async () => {
    await client().ocr(pdf("b"));
    await client().ocr(pdf("b"), { pageRanges: "2" });
    await client().ocr(pdf("b"), { modelProfile: "fast" });
    await client().ocr(pdf("b"), { format: "text" });
    await client().ocr(pdf("c"));
    expect(uploads()).toBe(5);
    await client().ocr(pdf("b"), { pageRanges: [{ start: 2, end: 2 }] });
    expect(uploads()).toBe(5);
  });

  it("detects a corrupt or partial entry, ignores it and replaces it", async () => {
    const first = await client().ocr(pdf("d"));
    const dir = join(cacheDir, "results");
    const [entry] = await readdir(dir);
    const path = join(dir, entry as string);
    const whole = await readFile(path, "utf8");
    await writeFile(path, whole.slice(0, whole.length / 2)); // partial
    expect(pagesOf(await client().ocr(pdf("d")))).toEqual(pagesOf(first));
    const tampered = JSON.parse(whole);
    tampered.result.pages[0].content = "tampered"; // the checksum no longer matches
    await writeFile(path, JSON.stringify(tampered));
    expect(pagesOf(await client().ocr(pdf("d")))).toEqual(pagesOf(first));
    expect(uploads()).toBe(3);
    expect(JSON.parse(await readFile(path, "utf8")).key).toBeDefined();
  });
});

describe("job journal", () => {
  it("a process killed mid-poll (SIGKILL) is resumed by the next run: no new upload, same pages", async () => {
    const file = join(cacheDir, "crash.pdf");
    // 12 pages (4.8 s): the kill lands mid-poll even when a loaded machine is slow to deliver the line.
    const pages = Array.from({ length: 12 }, (_, index) => index + 1);
    await writeFile(file, makePdf(pages.map((page) => `crash ${page}`)));
    const killed = await child(file, (line, proc) => {
      if (line.startsWith("progress running")) proc.kill("SIGKILL");
    });
    expect(killed.signal).toBe("SIGKILL");
    expect(uploads()).toBe(1);
    const rerun = await child(file);
    expect(rerun.code).toBe(0);
    expect(uploads()).toBe(1);
    const result = JSON.parse((rerun.lines.find((line) => line.startsWith("result ")) as string).slice(7));
    expect(result.map(([n]: [number]) => n)).toEqual(pages);
  }, 30_000);

  it("two processes loading the same file at once upload it once", async () => {
    const file = join(cacheDir, "twice.pdf");
    await writeFile(file, pdf("twice"));
    const [a, b] = await Promise.all([child(file), child(file)]);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(uploads()).toBe(1);
    const resultOf = (run: { lines: string[] }) => run.lines.find((line) => line.startsWith("result "));
    expect(resultOf(a)).toBe(resultOf(b));
  }, 30_000);

  it("an abort leaves the job to resume: the next call waits on it instead of uploading", async () => {
    const controller = new AbortController();
    const aborted = client()
      .ocr(pdf("abort"), { signal: controller.signal, onProgress: (p) => p.status === "running" && controller.abort() })
      .catch((e: unknown) => e);
    expect(await aborted).toMatchObject({ name: "AbortError", jobId: expect.stringMatching(/^job_/) });
    const resumed = await client().ocr(pdf("abort"));
    expect(resumed.jobId).toBe(((await aborted) as { jobId: string }).jobId);
    expect(uploads()).toBe(1);
  });

  it("a journal entry whose job expired is cleaned up, and the file uploaded anew", async () => {
    const file = pdf("gone");
    const controller = new AbortController();
    await client()
      .ocr(file, { signal: controller.signal, onProgress: () => controller.abort() })
      .catch(() => {});
    const [entry] = await readdir(join(cacheDir, "jobs"));
    const path = join(cacheDir, "jobs", entry as string);
    const journal = JSON.parse(await readFile(path, "utf8"));
    await writeFile(path, JSON.stringify({ ...journal, jobId: "job_000000000000000000000000" })); // expired: 404
    const result = await client().ocr(file);
    expect(result.pages).toHaveLength(3);
    expect(uploads()).toBe(2);
    expect(await readdir(join(cacheDir, "jobs"))).toEqual([]);
  });

  it("a failing file is uploaded once when two callers load it at once: both get the job's failure", async () => {
    const file = pdf("fails");
    const failing = await startEmulator({
      engine: "synthetic",
      synthetic: { msPerPage: 200 },
      faults: { failFiles: [createHash("sha256").update(file).digest("hex")] },
    });
    try {
      const failingClient = () => new SotaOcrClient({ apiKey: failing.apiKey, baseUrl: failing.url, cache: cacheDir });
      const [a, b] = await Promise.all([
        failingClient()
          .ocr(file)
          .catch((e: unknown) => e),
        failingClient()
          .ocr(file)
          .catch((e: unknown) => e),
      ]);
      expect(a).toMatchObject({ name: "JobFailedError", code: "ocr_failed" });
      expect(b).toMatchObject({ name: "JobFailedError", code: "ocr_failed", jobId: (a as { jobId: string }).jobId });
      expect(failing.log.uploads()).toHaveLength(1);
    } finally {
      await failing.close();
    }
  });
});

describe("a cache folder that fails", () => {
  it("cannot be used: a SotaOcrError that says so, before anything is uploaded", async () => {
    const plainFile = join(cacheDir, "not-a-folder");
    await writeFile(plainFile, "");
    const error = await client({ cache: join(plainFile, "cache") })
      .ocr(pdf("nowhere"))
      .catch((e: unknown) => e);
    expect(isSotaOcrError(error)).toBe(true);
    expect((error as Error).message).toMatch(/cache folder cannot be used .*Pass another `cache` folder, or leave the cache off/);
    expect(uploads()).toBe(0);
  });

  it("cannot take a result: the paid result is returned all the same", async () => {
    await writeFile(join(cacheDir, "results"), ""); // where the results folder should be
    const result = await client().ocr(pdf("unwritable"));
    expect(result.pages).toHaveLength(3);
    expect(uploads()).toBe(1);
  });
});
