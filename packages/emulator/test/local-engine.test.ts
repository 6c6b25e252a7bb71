import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../src/index.js";
import { characterErrorRate, clientFor } from "./helpers.js";

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
    // Scanned pages are OCR'd: blocks with bboxes inside the preview, whose size the PNG confirms.
    const page = result.pages[0];
    expect(page?.blocks?.length).toBeGreaterThan(0);
    const preview = await client.getPagePreview(result.jobId, 1);
    expect(preview.contentType).toBe("image/png");
    const png = Buffer.from(preview.bytes);
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([page?.width, page?.height]);
    for (const block of page?.blocks ?? []) {
      const [x0, y0, x1, y1] = block.bbox ?? [];
      expect(0 <= (x0 as number) && (x0 as number) < (x1 as number) && (x1 as number) <= (page?.width as number)).toBe(true);
      expect(0 <= (y0 as number) && (y0 as number) < (y1 as number) && (y1 as number) <= (page?.height as number)).toBe(true);
    }
  });
});
