import { readFileSync } from "node:fs";
import { SotaOcrClient } from "@sotaocr/core";
import { type Emulator, startEmulator } from "@sotaocr/emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CORPUS_PAGES } from "../bench/lib/corpus.js";
import { cer, tableRowsKept } from "../bench/lib/text-metrics.js";

// Third-party pages (test/fixtures/engine-corpus/README.md: LaTeX News, the R manual, a table,
// a letter), read by the emulator's local engine over HTTP and held to a CER bound each: the
// benchmark's measure (bench/lib/text-metrics.ts), against each page's text layer.

const FIXTURES = new URL("fixtures/engine-corpus/", import.meta.url).pathname;

interface Reading {
  text: string;
  markdown: string;
  angle: number | undefined;
}

interface Page {
  file: string;
  /** Highest CER passed. */
  maxCer: number;
  /** On two-column pages: the left column's last line, then the right column's first, as the text shows them. */
  columns?: [string, string];
  /** The angle the engine reports for the page: the turn it undid to read it. */
  angle?: number;
  /** On table pages: the table's rows (as the benchmark lists them) and the least share of them a markdown table row must show. */
  table?: { rows: readonly (readonly string[])[]; minRows: number };
}

const PSNFSS_TABLE = CORPUS_PAGES.find((page) => page.id === "psnfss2e-p3")?.tableRows ?? [];

// Bounds: the CER measured when the test was written (in the comment), with room for engine changes.
const PAGES: Page[] = [
  // 0.0078
  { file: "two-column-clean.png", maxCer: 0.03, columns: ["not supported in command names", "A related change is that file names"] },
  // 0.0124
  { file: "two-column-degraded.jpg", maxCer: 0.05, columns: ["is the phase we", "are currently working on"] },
  // 0.0024, turned upright by the engine
  { file: "rotated-180.png", maxCer: 0.02, angle: 180 },
  // 0.0115; a markdown table with 6 of the 9 rows (the three whose cells hold "≈" read it as "~")
  { file: "table-clean.png", maxCer: 0.04, table: { rows: PSNFSS_TABLE, minRows: 0.5 } },
  // 0.0017 (the text layer, no OCR)
  { file: "letter-text-layer.pdf", maxCer: 0.01 },
];

const truthOf = (file: string) => readFileSync(`${FIXTURES}${file.replace(/\.\w+$/, ".txt")}`, "utf8");

describe("the local engine on third-party pages (clean, degraded, rotated, a table, a letter)", () => {
  let emulator: Emulator;
  /** Every page as read (one job each, all sent at once so the engine's workers share them). */
  const readings = new Map<string, Promise<Reading>>();

  beforeAll(async () => {
    emulator = await startEmulator();
    const client = new SotaOcrClient({ baseUrl: emulator.url, apiKey: emulator.apiKey });
    for (const { file } of PAGES) {
      const reading = (async (): Promise<Reading> => {
        const { jobId, pages } = await client.ocr(`${FIXTURES}${file}`, { format: "text", timeoutMs: 170_000 });
        // The same job's pages as markdown: fetched again, not read again.
        const markdown = await client.getPages(jobId, { format: "markdown" });
        return { text: pages[0]?.content ?? "", markdown: markdown.pages[0]?.content ?? "", angle: pages[0]?.angle };
      })();
      reading.catch(() => {}); // awaited (and so reported) by the page's own test
      readings.set(file, reading);
    }
  });
  afterAll(() => emulator?.close());

  for (const page of PAGES) {
    const also = [page.columns && "left column before right", page.angle && `turned by ${page.angle}°`, page.table && "a markdown table"];
    it(`${page.file}: CER ≤ ${page.maxCer}${also
      .filter(Boolean)
      .map((what) => `, ${what}`)
      .join("")}`, { timeout: 180_000 }, async () => {
      const { text, markdown, angle } = await readings.get(page.file)!;
      expect(cer(text, truthOf(page.file))).toBeLessThanOrEqual(page.maxCer);
      if (page.columns) {
        const [leftEnd, rightStart] = page.columns.map((phrase) => text.indexOf(phrase));
        expect(leftEnd, "the left column's last line").toBeGreaterThanOrEqual(0);
        expect(rightStart, "the right column's first line, after the left column's last").toBeGreaterThan(leftEnd!);
      }
      if (page.angle !== undefined) expect(angle).toBe(page.angle);
      if (page.table) {
        expect(tableRowsKept(markdown, page.table.rows, { markdownTableOnly: true })).toBeGreaterThanOrEqual(page.table.minRows);
      }
    });
  }
});
