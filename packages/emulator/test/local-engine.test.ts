import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addScanPage, newSamplePdf, renderScan } from "../src/engines/local/sample-render.js";
import { type Emulator, startEmulator } from "../src/index.js";
import { characterErrorRate, clientFor, makeSizedPdf, raw } from "./helpers.js";

const DATA = fileURLToPath(new URL("../../../examples/data/", import.meta.url));

describe("the local engine (default), end to end", () => {
  let emulator: Emulator;

  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(() => emulator?.close());

  it("reads the 3-page scanned report close to its ground truth, one item per page", { timeout: 120_000 }, async () => {
    const truth = JSON.parse(readFileSync(`${DATA}ground-truth.json`, "utf8")) as Record<string, string[]>;
    const expected = truth["report-scanned.pdf"] as string[];
    expect(expected).toHaveLength(3);
    const client = clientFor(emulator);
    const result = await client.ocr(`${DATA}report-scanned.pdf`, { format: "text" });
    expect(result.pages.map((page) => page.pageNumber)).toEqual([1, 2, 3]);
    const rates = result.pages.map((page, i) => characterErrorRate(page.content, expected[i] as string));
    for (const rate of rates) expect(rate).toBeLessThan(0.05);
    expect((await client.getInfo()).raw).toMatchObject({ emulator: { engine: "local" } });
    // Scanned pages are OCR'd: elements with boxes inside the preview, whose size the PNG confirms.
    const page = result.pages[0];
    expect(page?.elements?.length).toBeGreaterThan(0);
    const preview = await client.getPagePreview(result.jobId, 1);
    expect(preview.contentType).toBe("image/png");
    const png = Buffer.from(preview.bytes);
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([page?.width, page?.height]);
    for (const element of page?.elements ?? []) {
      const [x0, y0, x1, y1] = element.bbox ?? [];
      expect(0 <= (x0 as number) && (x0 as number) < (x1 as number) && (x1 as number) <= (page?.width as number)).toBe(true);
      expect(0 <= (y0 as number) && (y0 as number) < (y1 as number) && (y1 as number) <= (page?.height as number)).toBe(true);
    }
  });

  it("fails a job whose page is too large to render with page_too_large, saying the limit and how to raise it", async () => {
    const small = await startEmulator({ local: { maxPagePixels: 2_000_000 }, pollIntervalMs: 0 });
    try {
      const client = clientFor(small);
      const text = "A page with a text layer, read without OCR. ".repeat(6);
      // Letter (1224×1584 = 1.9 megapixels at 144 dpi) fits; 1000×1000 pt (2000×2000 = 4 megapixels) does not.
      expect((await client.ocr(makeSizedPdf(612, 792, text), { format: "text" })).pages[0]?.content).toContain("text layer");
      for (const pdf of [makeSizedPdf(1000, 1000, text), makeSizedPdf(1000, 1000)]) {
        const job = await client.extract(pdf);
        const failed = await client.waitForJob(job.id).catch((error: unknown) => error);
        expect(failed).toMatchObject({ code: "page_too_large" });
        const status = await raw(small, `/v1/jobs/${job.id}`);
        expect(status.json?.error).toEqual({
          code: "page_too_large",
          message: expect.stringMatching(/2000×2000 pixels \(4 megapixels\).*2 megapixels.*local\.maxPagePixels \(--max-page-megapixels\)/),
        });
        expect((await raw(small, `/v1/jobs/${job.id}/pages/1/preview`)).status).toBe(409);
      }
      // A scanned Letter page fits at 144 dpi but not at 300: it is read at a lower resolution instead of failing.
      const scan = await newSamplePdf("scan");
      addScanPage(scan, renderScan({ heading: "Quarterly report", paragraphs: ["Revenue grew in every region."] }, { dpi: 300 }));
      const read = await client.ocr(await scan.save(), { format: "text" });
      expect(read.pages[0]?.content).toMatch(/Quarterly report[\s\S]*Revenue grew/);
    } finally {
      await small.close();
    }
  });
});

describe("the local engine's model", () => {
  const elementScores = (result: { pages: { elements?: { score?: number | undefined }[] | undefined }[] }) =>
    result.pages.flatMap((page) => (page.elements ?? []).map((element) => element.score));

  it("reads with tessdata_fast by default and with tessdata_best when local.ocrModel is best", { timeout: 120_000 }, async () => {
    const truth = (JSON.parse(readFileSync(`${DATA}ground-truth.json`, "utf8")) as Record<string, string[]>)["page.png"]?.[0] as string;
    const fast = await startEmulator({ pollIntervalMs: 0 });
    const best = await startEmulator({ local: { ocrModel: "best" }, pollIntervalMs: 0 });
    try {
      const results = [];
      for (const emulator of [fast, best]) {
        const client = clientFor(emulator);
        const result = await client.ocr(`${DATA}page.png`, { format: "text" });
        expect(characterErrorRate(result.pages[0]?.content ?? "", truth)).toBeLessThan(0.02);
        results.push(result);
      }
      expect((await raw(fast, "/api/v1/info")).json?.emulator).toMatchObject({ engine: "local", ocr_model: "fast" });
      expect((await raw(best, "/api/v1/info")).json?.emulator).toMatchObject({ engine: "local", ocr_model: "best" });
      // Two models read the same words with different confidences: the option reached tesseract.
      const [fastScores, bestScores] = results.map(elementScores);
      expect(fastScores?.length).toBeGreaterThan(0);
      expect(fastScores).not.toEqual(bestScores);
    } finally {
      await Promise.all([fast.close(), best.close()]);
    }
  });

  it("refuses a model it does not have before listening", async () => {
    await expect(startEmulator({ local: { ocrModel: "tiny" as "fast" } })).rejects.toThrow(
      /local\.ocrModel must be one of fast, best, not "tiny"/,
    );
  });

  it("names no OCR model in /api/v1/info when the engine is not the local one", async () => {
    const synthetic = await startEmulator({ engine: "synthetic" });
    try {
      const info = (await raw(synthetic, "/api/v1/info")).json?.emulator as Record<string, unknown>;
      expect(info).toMatchObject({ engine: "synthetic" });
      expect(info).not.toHaveProperty("ocr_model");
    } finally {
      await synthetic.close();
    }
  });
});
