/**
 * Turns a ReceiptLine document (the receipt markup of the `receiptline` npm package, whose
 * examples are the corpus's receipts) into a one-page PDF with a text layer: receiptline draws
 * the receipt as SVG text, `rsvg-convert` (Debian's librsvg2-bin) sets it in a PDF the size of
 * 80 mm roll paper, 72 mm printed between 4 mm margins, as a receipt printer would print it.
 */
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

const PRINTED_MM = 72;
const MARGIN_MM = 4;

interface ReceiptLine {
  transform(doc: string, printer: { cpl: number; encoding: string; spacing: boolean }): string;
}

/** Renders `receipt` (text) to `pdf`, with receiptline loaded from the installed package's folder. */
export async function receiptToPdf(receipt: string, pdf: string, receiptlineDir: string): Promise<void> {
  const receiptline = createRequire(join(receiptlineDir, "package.json"))("./") as ReceiptLine;
  // The settings of the package's own examples: 42 characters a line, Latin text, line spacing.
  // Its SVG imports a web font; dropped, so nothing is fetched and the font is the family list's
  // installed monospace (Liberation Mono here), the same on every run.
  const svg = receiptline.transform(receipt, { cpl: 42, encoding: "multilingual", spacing: true }).replace(/@import url\([^)]*\);?/g, "");
  const size = /<svg width="(\d+)px" height="(\d+)px"/.exec(svg);
  if (!size) throw new Error("receiptline drew an SVG without a width and height in px");
  const heightMm = (PRINTED_MM * Number(size[2])) / Number(size[1]);
  const svgPath = pdf.replace(/\.pdf$/, ".svg");
  await writeFile(svgPath, svg);
  await run("rsvg-convert", [
    ...["-f", "pdf", "--width", `${PRINTED_MM}mm`, "--keep-aspect-ratio"],
    ...["--page-width", `${PRINTED_MM + 2 * MARGIN_MM}mm`, "--page-height", `${(heightMm + 2 * MARGIN_MM).toFixed(2)}mm`],
    ...["--left", `${MARGIN_MM}mm`, "--top", `${MARGIN_MM}mm`, "-o", pdf, svgPath],
  ]);
}
