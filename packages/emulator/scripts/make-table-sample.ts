/**
 * Writes `examples/data/two-columns-table.pdf` and its entry in `examples/data/ground-truth.json`
 * (both committed; run this only to change them):
 *
 *   pnpm exec tsx packages/emulator/scripts/make-table-sample.ts
 *
 * One US Letter page with a real text layer (Helvetica): a heading across the page, two columns of
 * text (each a section heading and two paragraphs), then a ruled table across the page. Its ground
 * truth is in reading order — heading, left column, right column, table (one row per line, cells
 * separated by tabs, as the emulator writes a table in text) — blocks separated by blank lines.
 * Output is deterministic (fixed metadata, no randomness).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { PDFDocument, type PDFFont, type PDFPage, rgb, StandardFonts } from "pdf-lib";

export const TABLE_SAMPLE_NAME = "two-columns-table.pdf";

const TITLE = "Harbor Logistics: Annual Summary";

const LEFT_COLUMN = {
  heading: "Operations",
  paragraphs: [
    "The northern terminal handled more containers than in any year before. Two new cranes shortened the average time a ship spends at the quay from 31 to 26 hours.",
    "Rail connections now carry one container in three inland. The night shift added in March moved most of the extra volume without overtime.",
  ],
};

const RIGHT_COLUMN = {
  heading: "Outlook",
  paragraphs: [
    "Next year the port expects steady growth in bulk cargo and a small decline in car shipments. The dredging of the outer channel starts in May and ends before the autumn peak.",
    "A shore power pilot will let two berths supply ships with electricity, so engines can stay off while they are moored.",
  ],
};

const TABLE: string[][] = [
  ["Quarter", "Containers", "Ships", "Average stay"],
  ["Q1", "41,200", "312", "29 h"],
  ["Q2", "44,850", "335", "27 h"],
  ["Q3", "47,300", "351", "26 h"],
  ["Q4", "45,900", "340", "26 h"],
];

/** US Letter, in points; margins and column layout. */
const PAGE: [number, number] = [612, 792];
const MARGIN = 72;
const GUTTER = 24;
const COLUMN_WIDTH = (PAGE[0] - 2 * MARGIN - GUTTER) / 2;
const TITLE_SIZE = 20;
const HEADING_SIZE = 14;
const BODY_SIZE = 10.5;
const LEADING = 1.4;
const PARAGRAPH_GAP = 8;
const ROW_HEIGHT = 24;
const TABLE_COLUMNS = [0.28, 0.26, 0.2, 0.26];

/** The page's exact plain text, in reading order. */
export function tableSampleText(): string {
  return [
    TITLE,
    LEFT_COLUMN.heading,
    ...LEFT_COLUMN.paragraphs,
    RIGHT_COLUMN.heading,
    ...RIGHT_COLUMN.paragraphs,
    TABLE.map((cells) => cells.join("\t")).join("\n"),
  ].join("\n\n");
}

/** The sample's bytes. */
export async function makeTableSample(): Promise<Uint8Array> {
  const doc = await PDFDocument.create({ updateMetadata: false });
  const fixedDate = new Date("2024-10-01T00:00:00Z");
  doc.setTitle(TITLE);
  doc.setProducer("sotaocr-js sample generator");
  doc.setCreationDate(fixedDate);
  doc.setModificationDate(fixedDate);
  const body = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  const page = doc.addPage(PAGE);
  /** Distance from the top of the page, in points. */
  let top = MARGIN + TITLE_SIZE;
  draw(page, TITLE, MARGIN, top, bold, TITLE_SIZE);
  top += TITLE_SIZE;

  const columnsTop = top;
  const columnBottoms = [LEFT_COLUMN, RIGHT_COLUMN].map((column, i) => {
    const x = MARGIN + i * (COLUMN_WIDTH + GUTTER);
    let y = columnsTop + HEADING_SIZE;
    draw(page, column.heading, x, y, bold, HEADING_SIZE);
    y += PARAGRAPH_GAP;
    for (const paragraph of column.paragraphs) {
      for (const line of wrap(paragraph, COLUMN_WIDTH, body, BODY_SIZE)) {
        y += BODY_SIZE * LEADING;
        draw(page, line, x, y, body, BODY_SIZE);
      }
      y += PARAGRAPH_GAP;
    }
    return y;
  });

  // The table: ruled, across the page, below the longer column.
  const tableTop = Math.max(...columnBottoms) + 2 * PARAGRAPH_GAP;
  const tableWidth = PAGE[0] - 2 * MARGIN;
  const rule = (x0: number, y0: number, x1: number, y1: number) =>
    page.drawLine({ start: { x: x0, y: PAGE[1] - y0 }, end: { x: x1, y: PAGE[1] - y1 }, thickness: 0.75, color: rgb(0, 0, 0) });
  TABLE.forEach((cells, r) => {
    let x = MARGIN;
    cells.forEach((cell, c) => {
      draw(page, cell, x + 6, tableTop + r * ROW_HEIGHT + 16, r === 0 ? bold : body, BODY_SIZE);
      x += (TABLE_COLUMNS[c] as number) * tableWidth;
    });
  });
  for (let r = 0; r <= TABLE.length; r++) rule(MARGIN, tableTop + r * ROW_HEIGHT, MARGIN + tableWidth, tableTop + r * ROW_HEIGHT);
  let x = MARGIN;
  for (const share of [0, ...TABLE_COLUMNS]) {
    x += share * tableWidth;
    rule(x, tableTop, x, tableTop + TABLE.length * ROW_HEIGHT);
  }
  return doc.save();
}

/** Text whose baseline is `top` points below the top of the page. */
function draw(page: PDFPage, text: string, x: number, top: number, font: PDFFont, size: number): void {
  page.drawText(text, { x, y: PAGE[1] - top, size, font });
}

/** Lines no wider than `width` points. */
function wrap(text: string, width: number, font: PDFFont, size: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    const candidate = line ? `${line} ${word}` : word;
    if (line && font.widthOfTextAtSize(candidate, size) > width) {
      lines.push(line);
      line = word;
    } else {
      line = candidate;
    }
  }
  if (line) lines.push(line);
  return lines;
}

/** examples/data, from this file. */
export const EXAMPLES_DATA = fileURLToPath(new URL("../../../examples/data/", import.meta.url));

async function main(): Promise<void> {
  writeFileSync(`${EXAMPLES_DATA}${TABLE_SAMPLE_NAME}`, await makeTableSample());
  const truthPath = `${EXAMPLES_DATA}ground-truth.json`;
  const truth = JSON.parse(readFileSync(truthPath, "utf8")) as Record<string, string[]>;
  truth[TABLE_SAMPLE_NAME] = [tableSampleText()];
  writeFileSync(truthPath, `${JSON.stringify(truth, null, 2)}\n`);
  console.log(`wrote ${TABLE_SAMPLE_NAME} and its ground truth`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
