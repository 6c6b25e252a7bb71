import type { Worker as ThreadWorker } from "node:worker_threads";
import { createCanvas } from "@napi-rs/canvas";
import { afterAll, describe, expect, it, vi } from "vitest";
import { tesseractLangPath } from "./assets.js";
import { hocrToBlocks } from "./hocr.js";
import { toPgm } from "./image.js";
import { startWorker, TesseractPool } from "./tesseract-pool.js";

/** A small image of one line of text. */
function textImage(text: string): Uint8Array {
  const canvas = createCanvas(520, 90);
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = "#000000";
  ctx.font = "40px sans-serif";
  ctx.fillText(text, 20, 60);
  return toPgm(canvas);
}

const read = (hocr: string) =>
  hocrToBlocks(hocr, 1)
    .flatMap((b) => b.lines)
    .join(" ");

/** Worker threads created while `action` runs, and whether each has exited. */
async function watchThreads<T>(action: () => Promise<T>): Promise<{ result: T | unknown; exited: Promise<number[]> }> {
  const threads: ThreadWorker[] = [];
  const exits: Promise<number>[] = [];
  const onWorker = (thread: ThreadWorker) => {
    threads.push(thread);
    exits.push(new Promise((resolve) => thread.once("exit", resolve)));
  };
  process.on("worker", onWorker);
  try {
    const result = await action().catch((error: unknown) => error);
    return { result, exited: Promise.all(exits) };
  } finally {
    process.off("worker", onWorker);
  }
}

describe("TesseractPool", () => {
  const pool = new TesseractPool({ size: 2, langPath: tesseractLangPath("fast"), startTimeoutMs: 30_000 });
  afterAll(() => pool.terminate());

  it("starts no worker until a page needs one", () => {
    expect(pool.stats()).toEqual({ workers: 0, created: 0, starting: 0, busy: 0, queued: 0 });
  });

  it("reads queued pages on at most `size` workers, and reuses them", async () => {
    const words = ["Alpha window", "Bravo garden", "Charlie river", "Delta mountain"];
    const results = await Promise.all(words.map((w) => pool.recognize(textImage(w))));
    expect(results.map((r) => read(r.hocr))).toEqual(words);
    expect(results.every((r) => r.confidence > 80)).toBe(true);
    // The second worker was started while pages waited; it may come up after they are done.
    await vi.waitFor(() => expect(pool.stats().starting).toBe(0), { timeout: 20_000 });
    expect(pool.stats()).toEqual({ workers: 2, created: 2, starting: 0, busy: 0, queued: 0 });

    const again = await Promise.all(["Echo street", "Foxtrot lane", "Golf course"].map((w) => pool.recognize(textImage(w))));
    expect(again.map((r) => read(r.hocr))).toEqual(["Echo street", "Foxtrot lane", "Golf course"]);
    expect(pool.stats()).toMatchObject({ workers: 2, created: 2 });
  });

  it("drops a queued page when its signal aborts", async () => {
    const controller = new AbortController();
    const running = [pool.recognize(textImage("Hotel one")), pool.recognize(textImage("India two"))];
    const queued = pool.recognize(textImage("Juliet three"), { signal: controller.signal });
    expect(pool.stats().queued).toBe(1);
    controller.abort(new Error("no longer needed"));
    await expect(queued).rejects.toThrow("no longer needed");
    expect(pool.stats().queued).toBe(0);
    expect((await Promise.all(running)).map((r) => read(r.hocr))).toEqual(["Hotel one", "India two"]);
  });

  it("rejects a page whose image tesseract cannot read, and keeps working", async () => {
    await expect(pool.recognize(new TextEncoder().encode("not an image"))).rejects.toThrow(/OCR failed/);
    expect(read((await pool.recognize(textImage("Kilo after"))).hocr)).toBe("Kilo after");
  });
});

describe("worker start-up", () => {
  it("fails fast, and ends the thread, when the language data cannot be loaded", async () => {
    const started = Date.now();
    const { result, exited } = await watchThreads(() => startWorker({ langPath: "/nonexistent/tessdata", startTimeoutMs: 20_000 }));
    expect(result).toBeInstanceOf(Error);
    expect((result as Error).message).toMatch(/failed to start.*eng\.traineddata/);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await exited).toHaveLength(1);
  });

  it("gives up after the timeout, and ends the thread", async () => {
    const { result, exited } = await watchThreads(() => startWorker({ langPath: tesseractLangPath("fast"), startTimeoutMs: 1 }));
    expect((result as Error).message).toMatch(/did not start within 1 ms/);
    expect(await exited).toHaveLength(1);
  });

  it("fails the waiting pages when no worker can start", async () => {
    const broken = new TesseractPool({ size: 1, langPath: "/nonexistent/tessdata", startTimeoutMs: 20_000 });
    await expect(broken.recognize(textImage("Lima"))).rejects.toThrow(/failed to start/);
    expect(broken.stats()).toEqual({ workers: 0, created: 0, starting: 0, busy: 0, queued: 0 });
    await broken.terminate();
    await expect(broken.recognize(textImage("Mike"))).rejects.toThrow(/closed/);
  });
});
