import { readFileSync } from "node:fs";
import { SotaOcrClient } from "@sotaocr/core";
import { type Emulator, startEmulator } from "@sotaocr/emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cer } from "../bench/lib/text-metrics.js";

// Third-party pages (test/fixtures/engine-corpus/README.md: LaTeX News, the R manual, a table,
// a letter), read by the emulator's local engine over HTTP and held to a CER bound each: the
// benchmark's measure (bench/lib/text-metrics.ts), against each page's text layer.

const FIXTURES = new URL("fixtures/engine-corpus/", import.meta.url).pathname;

interface Page {
  file: string;
  /** Highest CER passed. */
  maxCer: number;
  /** On two-column pages: the left column's last line, then the right column's first, as the text shows them. */
  columns?: [string, string];
}

// Bounds: the CER measured when the test was written (in the comment), with room for engine changes.
const PAGES: Page[] = [
  // 0.0078
  { file: "two-column-clean.png", maxCer: 0.03, columns: ["not supported in command names", "A related change is that file names"] },
  // 0.0124
  { file: "two-column-degraded.jpg", maxCer: 0.05, columns: ["is the phase we", "are currently working on"] },
  // 0.0024, turned upright by the engine
  { file: "rotated-180.png", maxCer: 0.02 },
  // 0.0115
  { file: "table-clean.png", maxCer: 0.04 },
  // 0.0017 (the text layer, no OCR)
  { file: "letter-text-layer.pdf", maxCer: 0.01 },
];

const truthOf = (file: string) => readFileSync(`${FIXTURES}${file.replace(/\.\w+$/, ".txt")}`, "utf8");

describe("the local engine on third-party pages (clean, degraded, rotated, a table, a letter)", () => {
  let emulator: Emulator;
  /** Every page's text, all jobs sent at once so the engine's workers share them. */
  const texts = new Map<string, Promise<string>>();

  beforeAll(async () => {
    emulator = await startEmulator();
    const client = new SotaOcrClient({ baseUrl: emulator.url, apiKey: emulator.apiKey });
    for (const { file } of PAGES) {
      const text = client
        .ocr(`${FIXTURES}${file}`, { format: "text", timeoutMs: 170_000 })
        .then((result) => result.pages.map((p) => p.content).join("\n"));
      text.catch(() => {}); // awaited (and so reported) by the page's own test
      texts.set(file, text);
    }
  });
  afterAll(() => emulator?.close());

  for (const page of PAGES) {
    it(`${page.file}: CER ≤ ${page.maxCer}${page.columns ? ", left column before right" : ""}`, { timeout: 180_000 }, async () => {
      const text = await texts.get(page.file)!;
      const rate = cer(text, truthOf(page.file));
      expect(rate).toBeLessThanOrEqual(page.maxCer);
      if (page.columns) {
        const [leftEnd, rightStart] = page.columns.map((phrase) => text.indexOf(phrase));
        expect(leftEnd, "the left column's last line").toBeGreaterThanOrEqual(0);
        expect(rightStart, "the right column's first line, after the left column's last").toBeGreaterThan(leftEnd!);
      }
    });
  }
});
