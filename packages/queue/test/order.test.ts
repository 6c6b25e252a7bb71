import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UnsupportedFileError } from "@sotaocr/core";
import { type Emulator, startEmulator } from "@sotaocr/emulator";
import { hasRedisServer, makePdf, startRedis, type TestRedis } from "@sotaocr/test-support";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type AddOptions, OcrQueue, OcrWorker, type QueuedFile } from "../src/index.js";
import { ADD_CHUNK } from "../src/queue.js";
import { requireRedisServer } from "./support.js";

// The order files are taken in: by default a mix of long and short files, ending on the shorter half, longest first
// (docs/benchmarks.md §6, item 11); longest first, or as added, when asked.

let redis: TestRedis;
let emulator: Emulator;
let dir: string;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  requireRedisServer(hasRedisServer());
  redis = await startRedis();
  dir = await mkdtemp(join(tmpdir(), "sotaocr-order-"));
});

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await emulator?.close();
});

afterAll(async () => {
  await redis?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function openQueue(name: string): OcrQueue {
  const queue = new OcrQueue({ redis: redis.url, name });
  closers.push(() => queue.close());
  return queue;
}

/** Distinct PDFs of these page counts in `dir`; their paths, in the same order. */
async function writeFiles(name: string, pageCounts: number[]): Promise<string[]> {
  const paths: string[] = [];
  for (const [i, count] of pageCounts.entries()) {
    const path = join(dir, `${name}-${i}.pdf`);
    await writeFile(path, makePdf(Array.from({ length: count }, (_, page) => `${name} file ${i} page ${page + 1}`)));
    paths.push(path);
  }
  return paths;
}

/** Adds the files one by one, each with the options given for it. */
const oneByOne =
  (optionsOf: (i: number) => AddOptions) =>
  async (queue: OcrQueue, paths: string[]): Promise<QueuedFile[]> => {
    const queued: QueuedFile[] = [];
    for (const [i, path] of paths.entries()) queued.push(...(await queue.add([path], optionsOf(i))));
    return queued;
  };

/**
 * Files of these page counts, added by `add` (by default in one call, with default options), then
 * one worker taking one file at a time. Returns the page counts in upload order.
 */
async function uploadOrder(
  name: string,
  pageCounts: number[],
  add: (queue: OcrQueue, paths: string[]) => Promise<QueuedFile[]> = (queue, paths) => queue.add(paths),
): Promise<number[]> {
  emulator = await startEmulator({ engine: "synthetic", synthetic: { msPerPage: 10 } });
  const queue = openQueue(name);
  const queued = await add(queue, await writeFiles(name, pageCounts));
  const worker = new OcrWorker({ redis: redis.url, name, concurrency: 1, client: { baseUrl: emulator.url, apiKey: emulator.apiKey } });
  closers.push(() => worker.close());
  let finished = 0;
  for await (const item of queue.results({ pollIntervalMs: 50 })) {
    expect(item.error).toBeUndefined();
    finished++;
  }
  expect(finished).toBe(pageCounts.length);
  const pagesBySha = new Map(queued.map((file, i) => [file.sha256, pageCounts[i] as number]));
  return emulator.log.uploads().map((entry) => pagesBySha.get(entry.sha256 ?? "") ?? Number.NaN);
}

describe("the order files are taken in", () => {
  it("mixed by default: long and short files in turn, keeping the running mean near the batch's, ending on the shorter half, longest first", async () => {
    // As mixedOrder's worked batch (src/file-order.test.ts): the shorter half ends the batch.
    const order = await uploadOrder("mixed", [2, 1, 4, 3, 1, 2, 4, 3, 2, 1]);
    expect(order).toEqual([2, 4, 3, 3, 4, 2, 2, 1, 1, 1]);
  });

  it("longest first with order: 'longest-first' when their pages are known, files of equal length in the order added", async () => {
    const order = await uploadOrder(
      "longest",
      [1, 3, 2, 4, 1, 3],
      oneByOne(() => ({ order: "longest-first" })),
    );
    expect(order).toEqual([4, 3, 3, 2, 1, 1]);
  });

  it("the page ranges asked for count, not the file's pages", async () => {
    // Page 2 only of the 5-page file: 1 page to read, as the 1-page file added before it.
    const order = await uploadOrder(
      "ranges",
      [1, 5, 3],
      oneByOne((i) => ({ order: "longest-first", pageRanges: i === 1 ? "2" : undefined })),
    );
    expect(order).toEqual([3, 1, 5]);
  });

  it("as added with order: 'as-added'", async () => {
    const order = await uploadOrder("fifo", [1, 3, 2, 4], (queue, paths) => queue.add(paths, { order: "as-added" }));
    expect(order).toEqual([1, 3, 2, 4]);
  });
});

describe("add", () => {
  it("a file given twice in one call (by two paths) is added once: the second is already queued", async () => {
    const [path] = await writeFiles("twice", [2]);
    const copy = join(dir, "twice-copy.pdf");
    await writeFile(copy, await readFile(path as string));
    const queue = openQueue("twice");
    expect((await queue.add([path as string, copy])).map((file) => file.outcome)).toEqual(["added", "queued"]);
    expect((await queue.status()).waiting).toBe(1);
  });

  it(`reads ${ADD_CHUNK} files at a time: a file it cannot read adds none of its own chunk, every one before it`, async () => {
    const paths = await writeFiles(
      "chunks",
      Array.from({ length: ADD_CHUNK + 1 }, () => 1),
    );
    const notPdf = join(dir, "chunks-not-a-pdf.pdf");
    await writeFile(notPdf, "not a PDF");
    const queue = openQueue("chunks");
    await expect(queue.add([...paths, notPdf])).rejects.toThrow(UnsupportedFileError);
    expect((await queue.status()).waiting).toBe(ADD_CHUNK);
    // Adding again is safe: the first chunk is found queued, the file after it added.
    const again = await queue.add(paths);
    expect(again.filter((file) => file.outcome === "queued")).toHaveLength(ADD_CHUNK);
    expect(again.at(-1)?.outcome).toBe("added");
  });
});
