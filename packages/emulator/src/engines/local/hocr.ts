/**
 * Tesseract's hOCR output → layout blocks (one per paragraph). hOCR is used rather than the JSON
 * "blocks" output because it is ~8× smaller (no per-symbol data) and carries each line's text size
 * (`x_size`), which heading detection needs: a line's box height depends on which letters it holds.
 */
import type { LayoutBlock } from "./markdown.js";
import type { Angle } from "./orientation.js";
import { findTables, type SegmentedLine, segmentWords } from "./table.js";

interface HocrWord {
  text: string;
  /** 0–100 */
  confidence: number;
  bbox: [number, number, number, number];
}

interface HocrLine {
  words: HocrWord[];
  bbox: [number, number, number, number];
  size: number;
  /** Tesseract's `textangle`: how far the line's text is turned counter-clockwise (0, 90, 180, 270). */
  angle: number;
}

interface HocrParagraph {
  bbox: [number, number, number, number];
  lines: HocrLine[];
}

const TAG = /<(?:p|span|div) class='(ocr_par|ocr_line|ocr_caption|ocr_textfloat|ocr_header|ocrx_word)'([^>]*)>/g;
const LINE_CLASSES = new Set(["ocr_line", "ocr_caption", "ocr_textfloat", "ocr_header"]);

function titleOf(attributes: string): string {
  return /title=(["'])(.*?)\1/s.exec(attributes)?.[2] ?? "";
}

function bboxOf(title: string): [number, number, number, number] | undefined {
  const m = /\bbbox (-?\d+) (-?\d+) (-?\d+) (-?\d+)/.exec(title);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])] : undefined;
}

function numberOf(title: string, key: string): number | undefined {
  const m = new RegExp(`\\b${key} (-?[\\d.]+)`).exec(title);
  return m ? Number(m[1]) : undefined;
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[\da-f]+|#\d+|\w+);/gi, (whole, name: string) => {
    if (name[0] === "#") {
      const code = name[1] === "x" || name[1] === "X" ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
      return Number.isFinite(code) ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/** Paragraphs → lines → words, in tesseract's reading order. */
export function parseHocr(hocr: string): HocrParagraph[] {
  const paragraphs: HocrParagraph[] = [];
  let paragraph: HocrParagraph | undefined;
  let line: HocrLine | undefined;
  TAG.lastIndex = 0;
  for (let m = TAG.exec(hocr); m; m = TAG.exec(hocr)) {
    const kind = m[1]!;
    const title = titleOf(m[2]!);
    const bbox = bboxOf(title) ?? [0, 0, 0, 0];
    if (kind === "ocr_par") {
      paragraph = { bbox, lines: [] };
      paragraphs.push(paragraph);
      line = undefined;
    } else if (LINE_CLASSES.has(kind)) {
      if (!paragraph) {
        paragraph = { bbox, lines: [] };
        paragraphs.push(paragraph);
      }
      line = { words: [], bbox, size: numberOf(title, "x_size") ?? bbox[3] - bbox[1], angle: numberOf(title, "textangle") ?? 0 };
      paragraph.lines.push(line);
    } else if (line) {
      const end = hocr.indexOf("</span>", TAG.lastIndex);
      const inner = hocr.slice(TAG.lastIndex, end < 0 ? undefined : end);
      const text = decodeEntities(inner.replace(/<[^>]*>/g, "")).trim();
      if (text) line.words.push({ text, confidence: numberOf(title, "x_wconf") ?? 0, bbox });
    }
  }
  return paragraphs;
}

/**
 * The clockwise turn (0, 90, 180, 270) that makes the page upright, from the `textangle` of its
 * lines (weighted by their words): set when tesseract's orientation detection (page segmentation
 * mode 1) found the page turned. A line at `textangle 270` needs a 270° clockwise turn.
 */
export function uprightAngle(paragraphs: readonly HocrParagraph[]): Angle {
  const votes = new Map<number, number>();
  for (const line of paragraphs.flatMap((p) => p.lines)) votes.set(line.angle, (votes.get(line.angle) ?? 0) + line.words.length);
  let best = 0;
  for (const [angle, count] of votes) if (count > (votes.get(best) ?? 0)) best = angle;
  return ([0, 90, 180, 270].includes(best) ? best : 0) as Angle;
}

/** Maps a box of an image `width`×`height` to the same image turned clockwise by `angle`. */
export function turnBox(box: readonly number[], angle: Angle, width: number, height: number): [number, number, number, number] {
  const [x0, y0, x1, y1] = box as [number, number, number, number];
  switch (angle) {
    case 90:
      return [height - y1, x0, height - y0, x1];
    case 180:
      return [width - x1, height - y1, width - x0, height - y0];
    case 270:
      return [y0, width - x1, y1, width - x0];
    default:
      return [x0, y0, x1, y1];
  }
}

/** hOCR → layout blocks and the page's upright angle (see `hocrToBlocks`). */
export function readHocr(hocr: string, scale: number, size?: { width: number; height: number }): { blocks: LayoutBlock[]; angle: Angle } {
  const paragraphs = parseHocr(hocr);
  const angle = size ? uprightAngle(paragraphs) : 0;
  return { blocks: toBlocks(paragraphs, scale, angle, size ?? { width: 0, height: 0 }), angle };
}

/**
 * hOCR → layout blocks in preview pixels (`scale` = preview pixels per OCR pixel). Lines without
 * words and paragraphs without a letter or digit (specks, rules, table borders read as "|") are dropped.
 */
export function hocrToBlocks(hocr: string, scale: number): LayoutBlock[] {
  return toBlocks(parseHocr(hocr), scale, 0, { width: 0, height: 0 });
}

/** A word that is only a vertical rule read as text ("|"): dropped from table cells. */
const RULE = /^[|¦[\]]+$/;

function toBlocks(paragraphs: HocrParagraph[], scale: number, angle: Angle, size: { width: number; height: number }): LayoutBlock[] {
  // Tables first: rows are lines (from any paragraph: tesseract often splits a table into several),
  // cells the words between wide gaps, positions in the upright page.
  const lines = paragraphs.flatMap((paragraph, p) => paragraph.lines.filter((l) => l.words.length > 0).map((line) => ({ line, p })));
  const segmented: SegmentedLine[] = lines.map(({ line }) => {
    const box = turnBox(line.bbox, angle, size.width, size.height);
    const words = line.words
      .filter((w) => !RULE.test(w.text))
      .map((w) => {
        const b = turnBox(w.bbox, angle, size.width, size.height);
        return { text: w.text, start: b[0], end: b[2] };
      });
    return { segments: segmentWords(words, line.size), baseline: box[3], size: line.size };
  });
  // Three columns at least: on scans, two-column "tables" were mostly aligned code (BibTeX fields)
  // and definition lists, and cutting them out of tesseract's paragraphs upset the reading order.
  const tables = findTables(segmented, { minColumns: 3 });
  const inTable = new Map<HocrLine, (typeof tables)[number]>();
  for (const table of tables) for (const { line } of lines.slice(table.from, table.to + 1)) inTable.set(line, table);

  const blocks: LayoutBlock[] = [];
  const emitted = new Set<(typeof tables)[number]>();
  for (const paragraph of paragraphs) {
    // A paragraph is cut where a table's lines start and end.
    let run: HocrLine[] = [];
    const kept = paragraph.lines.filter((l) => l.words.length > 0);
    const flush = () => {
      // A whole paragraph keeps tesseract's box for it.
      const block = paragraphBlock(run, scale, angle, size, run.length === kept.length ? paragraph.bbox : undefined);
      if (block) blocks.push(block);
      run = [];
    };
    for (const line of kept) {
      const table = inTable.get(line);
      if (!table) {
        run.push(line);
        continue;
      }
      flush();
      if (emitted.has(table)) continue;
      emitted.add(table);
      const tableLines = lines.slice(table.from, table.to + 1).map((l) => l.line);
      blocks.push({
        ...paragraphBlock(tableLines, scale, angle, size)!,
        lines: table.rows.map((cells) => cells.join("\t")),
        table: table.rows,
      });
    }
    flush();
  }
  return blocks;
}

/** One block from lines (a paragraph, or part of one); undefined without a letter or digit. */
function paragraphBlock(
  lines: readonly HocrLine[],
  scale: number,
  angle: Angle,
  size: { width: number; height: number },
  bbox?: readonly number[],
): LayoutBlock | undefined {
  if (lines.length === 0) return undefined;
  const texts = lines.map((l) => l.words.map((w) => w.text).join(" "));
  if (!/[\p{L}\p{N}]/u.test(texts.join(""))) return undefined;
  let weighted = 0;
  let chars = 0;
  for (const word of lines.flatMap((l) => l.words)) {
    weighted += word.confidence * word.text.length;
    chars += word.text.length;
  }
  const sizes = lines.map((l) => l.size).sort((a, b) => a - b);
  const box =
    bbox ??
    lines
      .slice(1)
      .reduce<[number, number, number, number]>(
        (acc, l) => [Math.min(acc[0], l.bbox[0]), Math.min(acc[1], l.bbox[1]), Math.max(acc[2], l.bbox[2]), Math.max(acc[3], l.bbox[3])],
        [...lines[0]!.bbox],
      );
  return {
    lines: texts,
    bbox: turnBox(box, angle, size.width, size.height).map((v) => v * scale) as LayoutBlock["bbox"],
    score: chars ? Math.min(1, Math.max(0, weighted / chars / 100)) : 0,
    size: sizes[Math.floor(sizes.length / 2)]! * scale,
  };
}
