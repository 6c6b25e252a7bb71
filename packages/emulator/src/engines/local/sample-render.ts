/**
 * Renders synthetic documents (text PDF pages, scanned pages, scanned images) for the sample files
 * in `examples/data/` (`scripts/make-samples.ts`) and for tests. Not used by the engine itself.
 * Everything here is deterministic: the same input gives the same bytes.
 */
import { existsSync } from "node:fs";
import { type Canvas, createCanvas, GlobalFonts } from "@napi-rs/canvas";
import {
  concatTransformationMatrix,
  drawObject,
  PDFDocument,
  type PDFFont,
  popGraphicsState,
  pushGraphicsState,
  StandardFonts,
} from "pdf-lib";

/** One page of a sample document: a heading and paragraphs (a "\n" inside a paragraph forces a line break). */
export interface SamplePage {
  heading: string;
  paragraphs: string[];
}

/** The page's exact plain text: heading and paragraphs separated by blank lines. */
export function samplePageText(page: SamplePage): string {
  return [page.heading, ...page.paragraphs].join("\n\n");
}

/** An empty pdf-lib document with fixed metadata (no creation time), so output is reproducible. */
export async function newSamplePdf(title: string): Promise<PDFDocument> {
  const doc = await PDFDocument.create({ updateMetadata: false });
  const fixedDate = new Date("2024-10-01T00:00:00Z");
  doc.setTitle(title);
  doc.setProducer("sotaocr-js sample generator");
  doc.setCreationDate(fixedDate);
  doc.setModificationDate(fixedDate);
  return doc;
}

/** US Letter, in PDF points. */
export const LETTER: readonly [number, number] = [612, 792];

const MARGIN_PT = 72;
const HEADING_PT = 20;
const BODY_PT = 11;
const LEADING = 1.45;
const PARAGRAPH_GAP_PT = 9;

/** Splits text into lines no wider than `maxWidth`, honouring explicit "\n" breaks. */
export function wrapText(text: string, maxWidth: number, measure: (s: string) => number): string[] {
  const lines: string[] = [];
  for (const hardLine of text.split("\n")) {
    let line = "";
    for (const word of hardLine.split(/\s+/).filter(Boolean)) {
      const candidate = line ? `${line} ${word}` : word;
      if (line && measure(candidate) > maxWidth) {
        lines.push(line);
        line = word;
      } else {
        line = candidate;
      }
    }
    lines.push(line);
  }
  return lines;
}

interface LaidOutLine {
  text: string;
  /** Baseline, in points from the top of the page. */
  baseline: number;
  heading: boolean;
}

function layOut(page: SamplePage, widthPt: number, measure: (s: string, heading: boolean) => number): LaidOutLine[] {
  const out: LaidOutLine[] = [];
  const maxWidth = widthPt - 2 * MARGIN_PT;
  let y = MARGIN_PT;
  for (const line of wrapText(page.heading, maxWidth, (s) => measure(s, true))) {
    y += HEADING_PT * LEADING;
    out.push({ text: line, baseline: y, heading: true });
  }
  y += PARAGRAPH_GAP_PT * 1.5;
  for (const paragraph of page.paragraphs) {
    for (const line of wrapText(paragraph, maxWidth, (s) => measure(s, false))) {
      y += BODY_PT * LEADING;
      out.push({ text: line, baseline: y, heading: false });
    }
    y += PARAGRAPH_GAP_PT;
  }
  return out;
}

/** Adds a page with a real text layer (Helvetica, a standard font) to a pdf-lib document. */
export async function addTextPage(doc: PDFDocument, page: SamplePage): Promise<void> {
  const body: PDFFont = await doc.embedFont(StandardFonts.Helvetica);
  const bold: PDFFont = await doc.embedFont(StandardFonts.HelveticaBold);
  const [width, height] = LETTER;
  const pdfPage = doc.addPage([width, height]);
  const measure = (s: string, heading: boolean) => (heading ? bold : body).widthOfTextAtSize(s, heading ? HEADING_PT : BODY_PT);
  for (const line of layOut(page, width, measure)) {
    pdfPage.drawText(line.text, {
      x: MARGIN_PT,
      y: height - line.baseline,
      size: line.heading ? HEADING_PT : BODY_PT,
      font: line.heading ? bold : body,
    });
  }
}

const FONT_DIR = "/usr/share/fonts/truetype/dejavu";
let fontsRegistered = false;

/** Registers DejaVu Sans (regular, bold, mono) when present; otherwise the canvas default font is used. */
export function registerScanFonts(): { sans: string; mono: string } {
  if (!fontsRegistered) {
    fontsRegistered = true;
    for (const [file, alias] of [
      ["DejaVuSans.ttf", "Sample Sans"],
      ["DejaVuSans-Bold.ttf", "Sample Sans"],
      ["DejaVuSansMono.ttf", "Sample Mono"],
    ] as const) {
      const path = `${FONT_DIR}/${file}`;
      if (existsSync(path)) GlobalFonts.registerFromPath(path, alias);
    }
  }
  return { sans: "Sample Sans, sans-serif", mono: "Sample Mono, monospace" };
}

export interface ScanOptions {
  /** Scan resolution. */
  dpi: number;
  /** Page size in points. @default LETTER */
  sizePt?: readonly [number, number];
  /** Use the monospaced font for the body (receipts). @default false */
  mono?: boolean;
}

/** Renders a page as a scanner would see it: black text on white, at `dpi`. */
export function renderScan(page: SamplePage, options: ScanOptions): Canvas {
  const [widthPt, heightPt] = options.sizePt ?? LETTER;
  const scale = options.dpi / 72;
  const canvas = createCanvas(Math.round(widthPt * scale), Math.round(heightPt * scale));
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = "#111111";
  const fonts = registerScanFonts();
  const font = (heading: boolean, px: number) => `${heading ? "bold " : ""}${px}px ${options.mono && !heading ? fonts.mono : fonts.sans}`;
  const measure = (s: string, heading: boolean) => {
    ctx.font = font(heading, heading ? HEADING_PT : BODY_PT);
    return ctx.measureText(s).width;
  };
  for (const line of layOut(page, widthPt, measure)) {
    ctx.font = font(line.heading, (line.heading ? HEADING_PT : BODY_PT) * scale);
    ctx.fillText(line.text, MARGIN_PT * scale, line.baseline * scale);
  }
  return canvas;
}

/** The canvas as 8-bit grayscale samples, row by row. */
export function toGray(canvas: Canvas): Uint8Array {
  const { data } = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
  const gray = new Uint8Array(canvas.width * canvas.height);
  for (let i = 0; i < gray.length; i++) {
    gray[i] = Math.round(0.299 * data[i * 4]! + 0.587 * data[i * 4 + 1]! + 0.114 * data[i * 4 + 2]!);
  }
  return gray;
}

/** Adds an image-only page (no text layer): the scan as a Flate-compressed DeviceGray image filling the page. */
export function addScanPage(doc: PDFDocument, scan: Canvas, sizePt: readonly [number, number] = LETTER): void {
  const [width, height] = sizePt;
  const stream = doc.context.flateStream(toGray(scan), {
    Type: "XObject",
    Subtype: "Image",
    Width: scan.width,
    Height: scan.height,
    ColorSpace: "DeviceGray",
    BitsPerComponent: 8,
  });
  const ref = doc.context.register(stream);
  const pdfPage = doc.addPage([width, height]);
  const name = pdfPage.node.newXObject("Scan", ref);
  pdfPage.pushOperators(pushGraphicsState(), concatTransformationMatrix(width, 0, 0, height, 0, 0), drawObject(name), popGraphicsState());
}
