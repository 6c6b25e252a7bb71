import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Emulator, startEmulator } from "@sotaocr/emulator";
import { hasRedisServer, makePdf, startRedis, type TestRedis } from "@sotaocr/test-support";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type AddOptions, OcrQueue, OcrWorker } from "../src/index.js";
import { requireRedisServer } from "./support.js";

// The order files are taken in: longest first when their pages are known (a batch's last files
// are then short, so the key's slots empty together: docs/benchmarks.md §6, item 6).

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

/**
 * Files of these page counts, added one by one in this order (each with `options`, and the page
 * ranges given for it), then one worker taking one file at a time. Returns the page counts in upload order.
 */
async function uploadOrder(
  name: string,
  pageCounts: number[],
  options: AddOptions = {},
  rangesOf: (i: number) => string | undefined = () => undefined,
): Promise<number[]> {
  emulator = await startEmulator({ engine: "synthetic", synthetic: { msPerPage: 10 } });
  const paths: string[] = [];
  for (const [i, count] of pageCounts.entries()) {
    const path = join(dir, `${name}-${i}.pdf`);
    await writeFile(path, makePdf(Array.from({ length: count }, (_, page) => `${name} file ${i} page ${page + 1}`)));
    paths.push(path);
  }
  const queue = new OcrQueue({ redis: redis.url, name });
  closers.push(() => queue.close());
  const queued = [];
  for (const [i, path] of paths.entries()) queued.push(...(await queue.add([path], { ...options, pageRanges: rangesOf(i) })));
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
  it("longest first when their pages are known, files of equal length in the order added", async () => {
    const order = await uploadOrder("longest", [1, 3, 2, 4, 1, 3]);
    expect(order).toEqual([4, 3, 3, 2, 1, 1]);
  });

  it("the page ranges asked for count, not the file's pages", async () => {
    // Page 2 only of the 5-page file: 1 page to read, as the 1-page file added before it.
    const order = await uploadOrder("ranges", [1, 5, 3], {}, (i) => (i === 1 ? "2" : undefined));
    expect(order).toEqual([3, 1, 5]);
  });

  it("as added with order: 'as-added'", async () => {
    const order = await uploadOrder("fifo", [1, 3, 2, 4], { order: "as-added" });
    expect(order).toEqual([1, 3, 2, 4]);
  });
});
