/**
 * A PDF page's text layer (pdf.js `getTextContent` items) → lines → paragraphs, in preview pixels.
 *
 * Items are taken in content-stream order, which is the reading order of nearly every generated PDF
 * (columns come one after the other). A new line starts where the baseline moves or the text jumps
 * back left; a new paragraph where the text size changes, the text moves up (next column), or the
 * gap between baselines is clearly larger than the page's usual line spacing. Positions are compared
 * in the reading frame of the page's dominant text direction, so sideways text is read as lines too.
 */
import type { LayoutBlock } from "./markdown.js";
import { findTables, SEGMENT_GAP, type Segment } from "./table.js";

/** The fields of a pdf.js `TextItem` this module reads. */
export interface TextItemLike {
  str: string;
  /** Text space → user space matrix, font size included. */
  transform: number[];
  /** Advance width, in user-space units. */
  width: number;
  fontName: string;
  hasEOL: boolean;
}

/** The fields of a pdf.js `TextStyle` this module reads. */
export interface TextStyleLike {
  ascent?: number;
  descent?: number;
  /** pdf.js's generic family for the font: "serif", "sans-serif", "monospace". */
  fontFamily?: string;
}

export interface TextLayerInput {
  items: readonly TextItemLike[];
  styles?: Readonly<Record<string, TextStyleLike>>;
  /** The viewport's user space → preview pixel matrix (`viewport.transform`). */
  viewportTransform: readonly number[];
  /** Preview pixels per user-space unit (`viewport.scale`). */
  scale: number;
  /** Preview size in pixels; boxes are clipped to it. */
  width: number;
  height: number;
}

type Matrix = readonly number[];

function multiply(m1: Matrix, m2: Matrix): number[] {
  return [
    m1[0]! * m2[0]! + m1[2]! * m2[1]!,
    m1[1]! * m2[0]! + m1[3]! * m2[1]!,
    m1[0]! * m2[2]! + m1[2]! * m2[3]!,
    m1[1]! * m2[2]! + m1[3]! * m2[3]!,
    m1[0]! * m2[4]! + m1[2]! * m2[5]! + m1[4]!,
    m1[1]! * m2[4]! + m1[3]! * m2[5]! + m1[5]!,
  ];
}

interface PlacedItem {
  text: string;
  hasEOL: boolean;
  /** Reading-frame coordinates: `start`/`end` along the line, `baseline` across lines (grows downwards). */
  start: number;
  end: number;
  baseline: number;
  /** Font size in preview pixels. */
  size: number;
  /** Device (preview) box. */
  box: [number, number, number, number];
  /** pdf.js's id of the item's font. */
  font: string;
}

interface Line {
  text: string;
  start: number;
  end: number;
  baseline: number;
  size: number;
  box: [number, number, number, number];
  chars: number;
  /** Stretches of the line between gaps wider than `SEGMENT_GAP` text sizes (table cells, if any). */
  segments: Segment[];
  /** Characters per font id; `font` is the one most characters are in. */
  fonts: Map<string, number>;
  font: string;
}

/** Rotates a device point into the reading frame of text running at `quarterTurns` × 90° clockwise. */
function toFrame(x: number, y: number, quarterTurns: number): [number, number] {
  switch (quarterTurns) {
    case 1:
      return [y, -x];
    case 2:
      return [-x, -y];
    case 3:
      return [-y, x];
    default:
      return [x, y];
  }
}

function quarterTurnsOf(tx: Matrix): number {
  const angle = Math.atan2(tx[1]!, tx[0]!);
  return (((Math.round(angle / (Math.PI / 2)) % 4) + 4) % 4) as number;
}

function union(a: [number, number, number, number], b: readonly number[]): [number, number, number, number] {
  return [Math.min(a[0], b[0]!), Math.min(a[1], b[1]!), Math.max(a[2], b[2]!), Math.max(a[3], b[3]!)];
}

function place(input: TextLayerInput): PlacedItem[] {
  const raw = input.items.map((item) => {
    const tx = multiply(input.viewportTransform, item.transform);
    return { item, tx, size: Math.hypot(tx[2]!, tx[3]!), turns: quarterTurnsOf(tx) };
  });
  // The page's reading direction: the one most characters run in.
  const weight = [0, 0, 0, 0];
  for (const r of raw) weight[r.turns]! += r.item.str.trim().length;
  const turns = weight.indexOf(Math.max(...weight));

  const placed: PlacedItem[] = [];
  for (const { item, tx, size } of raw) {
    if (size <= 0) {
      if (item.hasEOL && placed.length > 0) placed.at(-1)!.hasEOL = true;
      continue;
    }
    const style = input.styles?.[item.fontName];
    const ascent = style?.ascent && style.ascent > 0 ? style.ascent : 0.8;
    const descent = style?.descent && style.descent < 0 ? style.descent : -0.2;
    const dirLength = Math.hypot(tx[0]!, tx[1]!) || 1;
    const dir = [tx[0]! / dirLength, tx[1]! / dirLength];
    const up = [tx[2]! / size, tx[3]! / size];
    const advance = item.width * input.scale;
    const corners = [0, advance].flatMap((t) =>
      [descent, ascent].map((u) => [tx[4]! + dir[0]! * t + up[0]! * u * size, tx[5]! + dir[1]! * t + up[1]! * u * size] as const),
    );
    const xs = corners.map((c) => c[0]);
    const ys = corners.map((c) => c[1]);
    const [start, baseline] = toFrame(tx[4]!, tx[5]!, turns);
    const [endX] = toFrame(tx[4]! + dir[0]! * advance, tx[5]! + dir[1]! * advance, turns);
    placed.push({
      text: item.str,
      hasEOL: item.hasEOL,
      start: Math.min(start, endX),
      end: Math.max(start, endX),
      baseline,
      size,
      box: [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)],
      font: item.fontName,
    });
  }
  return placed;
}

function toLines(items: readonly PlacedItem[]): Line[] {
  const lines: Line[] = [];
  let line: Line | undefined;
  let breakAfter = true;
  for (const item of items) {
    const blank = item.text.trim() === "";
    const newLine =
      !line ||
      breakAfter ||
      Math.abs(item.baseline - line.baseline) > 0.5 * Math.max(item.size, line.size) ||
      item.start < line.end - Math.max(item.size, line.size);
    if (newLine && blank) {
      breakAfter ||= item.hasEOL;
      continue;
    }
    if (newLine || !line) {
      line = {
        text: item.text,
        start: item.start,
        end: item.end,
        baseline: item.baseline,
        size: item.size,
        box: item.box,
        chars: 0,
        segments: [{ text: item.text, start: item.start, end: item.end }],
        fonts: new Map(),
        font: item.font,
      };
      lines.push(line);
    } else {
      const gap = item.start - line.end;
      const needsSpace = gap > 0.15 * item.size && !/\s$/.test(line.text) && !/^\s/.test(item.text);
      line.text += (needsSpace ? " " : "") + item.text;
      line.end = Math.max(line.end, item.end);
      if (!blank) {
        line.size = Math.max(line.size, item.size);
        line.box = union(line.box, item.box);
        const segment = line.segments.at(-1)!;
        if (item.start - segment.end > SEGMENT_GAP * item.size) {
          line.segments.push({ text: item.text, start: item.start, end: item.end });
        } else {
          segment.text += (needsSpace ? " " : "") + item.text;
          segment.end = Math.max(segment.end, item.end);
        }
      } else {
        line.segments.at(-1)!.text += item.text;
      }
    }
    if (!blank) line.fonts.set(item.font, (line.fonts.get(item.font) ?? 0) + item.text.replace(/\s/g, "").length);
    breakAfter = item.hasEOL;
  }
  for (const l of lines) {
    l.text = l.text.replace(/\s+/g, " ").trim();
    l.chars = l.text.replace(/\s/g, "").length;
    l.font = dominant(l.fonts) ?? l.font;
    l.segments = l.segments
      .map((segment) => ({ ...segment, text: segment.text.replace(/\s+/g, " ").trim() }))
      .filter((segment) => segment.text !== "");
  }
  return lines.filter((l) => l.chars > 0);
}

function dominant(weights: ReadonlyMap<string, number>): string | undefined {
  let best: string | undefined;
  for (const [key, weight] of weights) if (best === undefined || weight > weights.get(best)!) best = key;
  return best;
}

/**
 * A short line in another font than the next one (a bold run-in or body-size heading above its
 * paragraph) is a block of its own: its width is under this share of the next line's.
 */
const SHORT_LINE = 0.6;

const sameSize = (a: number, b: number) => Math.abs(a - b) <= 0.15 * Math.max(a, b);

/** The usual distance between consecutive baselines of same-size lines (the median), if any. */
function typicalLeading(lines: readonly Line[]): number | undefined {
  const steps: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    const a = lines[i - 1]!;
    const b = lines[i]!;
    const step = b.baseline - a.baseline;
    if (sameSize(a.size, b.size) && step > 0 && step < 3 * a.size) steps.push(step / a.size);
  }
  if (steps.length === 0) return undefined;
  steps.sort((x, y) => x - y);
  return steps[Math.floor(steps.length / 2)];
}

/**
 * Groups a page's text items into paragraph blocks and table blocks (rows and columns of short
 * cells, see `findTables`). Headings are not yet marked: see `classifyHeadings`.
 */
export function textLayerBlocks(input: TextLayerInput): LayoutBlock[] {
  const lines = toLines(place(input));
  // Baseline steps above this many font sizes start a new paragraph.
  const leading = typicalLeading(lines);
  const paragraphStep = leading ? leading * 1.3 : 1.6;
  // Aligned lines set in a monospaced font are code (a BibTeX entry, a listing), not a table.
  const monospaced = (line: Line) => input.styles?.[line.font]?.fontFamily === "monospace";
  const tables = new Map(
    findTables(lines)
      .filter((table) => !lines.slice(table.from, table.to + 1).every(monospaced))
      .map((table) => [table.from, table]),
  );
  const blocks: LayoutBlock[] = [];
  let current: { lines: Line[] } | undefined;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    const table = tables.get(index);
    if (table) {
      const rows = lines.slice(table.from, table.to + 1);
      const box = rows.slice(1).reduce((acc, l) => union(acc, l.box), rows[0]!.box);
      const chars = rows.reduce((n, l) => n + l.chars, 0);
      blocks.push({
        lines: table.rows.map((cells) => cells.join("\t")),
        table: table.rows,
        bbox: clampBox(box, input.width, input.height),
        score: 1,
        size: rows.reduce((s, l) => s + l.size * l.chars, 0) / chars,
      });
      current = undefined;
      index = table.to;
      continue;
    }
    const prev = current?.lines.at(-1);
    const step = prev ? line.baseline - prev.baseline : 0;
    const fontBreak = prev !== undefined && prev.font !== line.font && prev.end - prev.start < SHORT_LINE * (line.end - line.start);
    if (!current || !prev || fontBreak || !sameSize(line.size, prev.size) || step <= 0 || step > paragraphStep * prev.size) {
      current = { lines: [] };
      blocks.push({ lines: [], bbox: [0, 0, 0, 0], score: 1, size: 0 });
    }
    current.lines.push(line);
    const block = blocks.at(-1)!;
    block.lines.push(line.text);
    const box = current.lines.slice(1).reduce((acc, l) => union(acc, l.box), current.lines[0]!.box);
    block.bbox = clampBox(box, input.width, input.height);
    const chars = current.lines.reduce((n, l) => n + l.chars, 0);
    block.size = current.lines.reduce((s, l) => s + l.size * l.chars, 0) / chars;
    const fonts = new Map<string, number>();
    for (const l of current.lines) for (const [font, n] of l.fonts) fonts.set(font, (fonts.get(font) ?? 0) + n);
    block.font = dominant(fonts);
  }
  return blocks;
}

function clampBox(box: readonly number[], width: number, height: number): [number, number, number, number] {
  return [clamp(box[0]!, 0, width), clamp(box[1]!, 0, height), clamp(box[2]!, 0, width), clamp(box[3]!, 0, height)];
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/** Non-whitespace characters in a page's text layer. */
export function textLayerCharCount(items: readonly { str: string }[]): number {
  let n = 0;
  for (const item of items) n += item.str.replace(/\s/g, "").length;
  return n;
}
