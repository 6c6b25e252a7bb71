/**
 * Tesseract's hOCR output → layout blocks (one per paragraph). hOCR is used rather than the JSON
 * "blocks" output because it is ~8× smaller (no per-symbol data) and carries each line's text size
 * (`x_size`), which heading detection needs: a line's box height depends on which letters it holds.
 */
import type { LayoutBlock } from "./markdown.js";

interface HocrWord {
  text: string;
  /** 0–100 */
  confidence: number;
}

interface HocrLine {
  words: HocrWord[];
  bbox: [number, number, number, number];
  size: number;
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
      line = { words: [], bbox, size: numberOf(title, "x_size") ?? bbox[3] - bbox[1] };
      paragraph.lines.push(line);
    } else if (line) {
      const end = hocr.indexOf("</span>", TAG.lastIndex);
      const inner = hocr.slice(TAG.lastIndex, end < 0 ? undefined : end);
      const text = decodeEntities(inner.replace(/<[^>]*>/g, "")).trim();
      if (text) line.words.push({ text, confidence: numberOf(title, "x_wconf") ?? 0 });
    }
  }
  return paragraphs;
}

/**
 * hOCR → layout blocks in preview pixels (`scale` = preview pixels per OCR pixel). Lines without
 * words and paragraphs without a letter or digit (specks, rules, table borders read as "|") are dropped.
 */
export function hocrToBlocks(hocr: string, scale: number): LayoutBlock[] {
  const blocks: LayoutBlock[] = [];
  for (const paragraph of parseHocr(hocr)) {
    const lines = paragraph.lines.filter((l) => l.words.length > 0);
    const texts = lines.map((l) => l.words.map((w) => w.text).join(" "));
    if (!/[\p{L}\p{N}]/u.test(texts.join(""))) continue;
    let weighted = 0;
    let chars = 0;
    for (const word of lines.flatMap((l) => l.words)) {
      weighted += word.confidence * word.text.length;
      chars += word.text.length;
    }
    const sizes = lines.map((l) => l.size).sort((a, b) => a - b);
    blocks.push({
      lines: texts,
      bbox: paragraph.bbox.map((v) => v * scale) as LayoutBlock["bbox"],
      score: chars ? Math.min(1, Math.max(0, weighted / chars / 100)) : 0,
      size: sizes[Math.floor(sizes.length / 2)]! * scale,
    });
  }
  return blocks;
}
