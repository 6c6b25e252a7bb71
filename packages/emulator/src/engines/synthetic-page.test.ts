import { inflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import type { EnginePage } from "../engine.js";
import { SYNTHETIC_PAGE_HEIGHT, SYNTHETIC_PAGE_WIDTH, syntheticPage, syntheticPageHasTable, syntheticPreview } from "./synthetic-page.js";

const SHA = "ab".repeat(32);
const hashes = Array.from({ length: 12 }, (_, i) => i.toString(16).padStart(2, "0").repeat(32));

/** The gray pixels of a PNG written by `encodeGrayPng` (one IDAT, filter 0 on every row). */
function decodeGray(png: Uint8Array): { width: number; height: number; at: (x: number, y: number) => number } {
  const bytes = Buffer.from(png);
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  const idat = bytes.indexOf("IDAT", 0, "latin1");
  const raw = inflateSync(bytes.subarray(idat + 4, idat + 4 + bytes.readUInt32BE(idat - 4)));
  return { width, height, at: (x, y) => raw[y * (width + 1) + 1 + x] as number };
}

const labels = (page: EnginePage) => page.blocks.map((block) => block.type);

describe("syntheticPage", () => {
  it("is deterministic from the file's hash and the page number", () => {
    expect(syntheticPage(SHA, 3)).toEqual(syntheticPage(SHA, 3));
    expect(syntheticPage(SHA, 4).markdown).not.toBe(syntheticPage(SHA, 3).markdown);
    expect(syntheticPage("cd".repeat(32), 3).markdown).not.toBe(syntheticPage(SHA, 3).markdown);
  });

  it("lays out a header, the title, paragraphs, a heading, a table on even pages only, a footer and the page number", () => {
    for (const sha of hashes) {
      for (let n = 1; n <= 6; n++) {
        const page = syntheticPage(sha, n);
        const body = n % 2 === 0 ? ["text", "paragraph_title", "text", "table_title", "table"] : ["text", "paragraph_title", "text"];
        expect(labels(page).slice(0, 2 + body.length)).toEqual(["header", "doc_title", ...body]);
        expect(labels(page).slice(-2)).toEqual(["footer", "number"]);
        expect(labels(page).length - body.length - 4).toBeLessThanOrEqual(1); // at most one closing paragraph
        expect(page.blocks[1]?.text).toBe(`Page ${n}`);
        expect(page.blocks.at(-1)?.text).toBe(String(n));
        expect(syntheticPageHasTable(n)).toBe(n % 2 === 0);
      }
    }
  });

  it("puts every box inside the page, without overlaps, in reading order (top to bottom, then left to right)", () => {
    for (const sha of hashes) {
      for (let n = 1; n <= 8; n++) {
        const { blocks, width, height } = syntheticPage(sha, n);
        expect([width, height]).toEqual([SYNTHETIC_PAGE_WIDTH, SYNTHETIC_PAGE_HEIGHT]);
        for (const [i, { bbox, score }] of blocks.entries()) {
          const [x0, y0, x1, y1] = bbox;
          expect(0 <= x0 && x0 < x1 && x1 <= width && 0 <= y0 && y0 < y1 && y1 <= height, `${n}: ${bbox}`).toBe(true);
          expect(score).toBeGreaterThan(0.89);
          expect(score).toBeLessThanOrEqual(1);
          for (const other of blocks.slice(i + 1)) {
            const [a0, b0, a1, b1] = other.bbox;
            const overlap = x0 < a1 && a0 < x1 && y0 < b1 && b0 < y1;
            expect(overlap, `${bbox} and ${other.bbox}`).toBe(false);
            expect(b0 > y0 || (b0 === y0 && a0 >= x1), `${other.bbox} after ${bbox}`).toBe(true);
          }
        }
      }
    }
  });

  it("gives a table block HTML, the page markdown a markdown table and the page text tab-separated rows", () => {
    const page = syntheticPage(SHA, 2);
    const table = page.blocks.find((block) => block.type === "table");
    const rows = table?.text.match(/<tr>/g)?.length ?? 0;
    expect(rows === 3 || rows === 4).toBe(true);
    expect(table?.text).toMatch(
      /^<table><tr><td>Item<\/td><td>Period<\/td><td>Revenue &amp; costs<\/td><\/tr>(<tr>(<td>[^<]+<\/td>){3}<\/tr>){2,3}<\/table>$/,
    );
    const cells = [...(table?.text ?? "").matchAll(/<tr>(.*?)<\/tr>/g)].map((row) =>
      [...(row[1] as string).matchAll(/<td>(.*?)<\/td>/g)].map((cell) => (cell[1] as string).replace("&amp;", "&")),
    );
    const markdown = [`| ${cells[0]?.join(" | ")} |`, "| --- | --- | --- |", ...cells.slice(1).map((c) => `| ${c.join(" | ")} |`)].join(
      "\n",
    );
    expect(page.markdown).toContain(`\n\nTable 2. Amounts by period\n\n${markdown}\n\n`.trimEnd());
    expect(page.text).toContain(`\n\n${cells.map((c) => c.join("\t")).join("\n")}`);
    expect(page.markdown).not.toContain("<table");
  });

  it("starts the markdown with `# Page N`; keeps header, footer and page number out of markdown and text", () => {
    for (let n = 1; n <= 4; n++) {
      const page = syntheticPage(SHA, n);
      expect(page.markdown.split("\n")[0]).toBe(`# Page ${n}`);
      expect(page.text.split("\n")[0]).toBe(`Page ${n}`);
      const heading = page.blocks.find((block) => block.type === "paragraph_title")?.text;
      expect(page.markdown).toContain(`\n\n## ${heading}\n\n`);
      for (const block of page.blocks.filter((b) => ["header", "footer"].includes(b.type))) {
        expect(page.markdown).not.toContain(block.text);
        expect(page.text).not.toContain(block.text);
      }
      // Text blocks appear in both, in order.
      const texts = page.blocks.filter((block) => block.type === "text").map((block) => block.text);
      expect(page.text.indexOf(texts[0] as string)).toBeLessThan(page.text.indexOf(texts[1] as string));
      expect(page.markdown.indexOf(texts[0] as string)).toBeGreaterThan(0);
    }
  });
});

describe("syntheticPreview", () => {
  it("draws each block's box on a white page: border, fill, ink inside; white outside every box; table grid lines", () => {
    for (const n of [1, 2]) {
      const page = syntheticPage(SHA, n);
      const image = decodeGray(syntheticPreview(page));
      expect([image.width, image.height]).toEqual([1224, 1584]);
      for (const { bbox, type } of page.blocks) {
        const [x0, y0, x1, y1] = bbox;
        expect(image.at(x0, y0), `border of ${type}`).toBeLessThan(200);
        expect(image.at(x1 - 1, y1 - 1), `border of ${type}`).toBeLessThan(200);
        expect(image.at(x0 - 3, y0), `left of ${type}`).toBe(255);
        // Something darker than the fill inside: a line of text, or table cells.
        let darkest = 255;
        for (let y = y0 + 3; y < y1 - 3; y++) darkest = Math.min(darkest, image.at(x0 + 16, y));
        expect(darkest, `ink in ${type}`).toBeLessThan(200);
      }
      expect(image.at(600, 1400)).toBe(255);
      expect(image.at(20, 20)).toBe(255);
      const table = page.blocks.find((block) => block.type === "table");
      if (n === 2) {
        const [x0, y0, x1, y1] = table?.bbox ?? [0, 0, 0, 0];
        const rowLine = y0 + (y1 - y0) / (table?.text.match(/<tr>/g)?.length ?? 1);
        expect(image.at(Math.round((x0 + x1) / 2), Math.round(rowLine))).toBeLessThan(120);
      } else {
        expect(table).toBeUndefined();
      }
    }
  });
});
