/**
 * Reading order end to end: a two-column page whose content stream paints the right column first
 * and the title last, read from its text layer, as a scan, and as a sideways scan.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PDFDocument, StandardFonts } from "pdf-lib";
import { afterAll, describe, expect, it } from "vitest";
import { characterErrorRate } from "./cer.js";
import { createLocalEngine } from "./index.js";
import { rotateCanvas } from "./orientation.js";
import { openPdf, renderPage } from "./pdf.js";

const TITLE = "Reading Order on Two Columns";
const LEFT = [
  "The left column is read first, from",
  "its top line down to its last line,",
  "before any line of the right column",
  "is read, although the right column",
  "was painted first in the content",
  "stream of this page. A reader that",
  "follows the stream, or one that reads",
  "straight across the page, mixes the",
  "two columns and loses the thread.",
];
const RIGHT = [
  "The right column comes second and",
  "starts at the top of the page again.",
  "Its lines continue the text of the",
  "left column: when both are read in",
  "order the page makes sense, and a",
  "language model given this text can",
  "quote it without stitching halves",
  "of sentences from different places.",
];
const EXPECTED = [TITLE, ...LEFT, ...RIGHT].join("\n");
const tmp = mkdtempSync(join(tmpdir(), "layout-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function twoColumnPdf(): Promise<string> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.TimesRoman);
  const bold = await doc.embedFont(StandardFonts.TimesRomanBold);
  const page = doc.addPage([612, 792]);
  for (const [i, line] of RIGHT.entries()) page.drawText(line, { x: 320, y: 680 - i * 15, size: 12, font });
  for (const [i, line] of LEFT.entries()) page.drawText(line, { x: 60, y: 680 - i * 15, size: 12, font });
  page.drawText(TITLE, { x: 60, y: 730, size: 20, font: bold });
  const path = join(tmp, "two-columns.pdf");
  writeFileSync(path, await doc.save());
  return path;
}

/** The order of the first words of the last left line and of the first right line in `text`. */
function columnsInOrder(text: string): boolean {
  const left = text.indexOf("two columns and loses");
  const right = text.indexOf("The right column comes");
  return left >= 0 && right > left;
}

describe("two-column pages", () => {
  const engine = createLocalEngine({ workers: 2 });
  afterAll(() => engine.close());

  it("reads a text layer painted out of order in reading order", async () => {
    const doc = await engine.open(await twoColumnPdf(), "pdf");
    const page = await doc.readPage(1);
    await doc.close();
    expect(page.method).toBe("text_layer");
    expect(page.text).toBe([TITLE, LEFT.join("\n"), RIGHT.join("\n")].join("\n\n"));
    expect(page.markdown.startsWith(`# ${TITLE}`)).toBe(true);
  });

  it.each([0, 90] as const)(
    "reads a scan turned by %i° column by column",
    async (turn) => {
      const pdf = await openPdf(await twoColumnPdf());
      const canvas = rotateCanvas(await renderPage(await pdf.getPage(1), 200 / 72, 40_000_000), turn);
      await pdf.destroy();
      const png = join(tmp, `scan-${turn}.png`);
      writeFileSync(png, await canvas.encode("png"));
      const doc = await engine.open(png, "png");
      const page = await doc.readPage(1);
      await doc.close();
      expect(page.angle).toBe((360 - turn) % 360);
      expect(columnsInOrder(page.text), page.text).toBe(true);
      expect(characterErrorRate(page.text, EXPECTED)).toBeLessThan(0.03);
      // ~3 s alone; the whole suite shares 2 cores.
    },
    120_000,
  );
});
