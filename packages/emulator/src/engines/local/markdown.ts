/**
 * Page layout → output: decides which blocks are headings (by size relative to the body text) and
 * renders a page's blocks as plain text and as Markdown. Shared by the text-layer and OCR paths.
 */
import type { EngineBlock } from "../../engine.js";
import { tableToHtml, tableToMarkdown } from "./table.js";

/** A paragraph (or heading) found on a page, before it becomes an `EngineBlock`. */
export interface LayoutBlock {
  /** Lines in reading order. */
  lines: string[];
  /** [x0, y0, x1, y1] in preview pixels. */
  bbox: [number, number, number, number];
  /** Confidence 0–1. */
  score: number;
  /** Typical text height of the block, in any unit shared by all blocks of the page. */
  size: number;
  /** Set by `classifyHeadings`: 1 for the largest heading size, 2, 3 for smaller ones. */
  headingLevel?: number;
  /** A table's cells, row by row (`lines` then holds the rows, cells separated by tabs). */
  table?: string[][];
  /** Text-layer blocks: pdf.js's id of the font most of the block is in. */
  font?: string;
  /** Whether that font is a bold one (by its name: see `isBoldFontName`). */
  bold?: boolean;
}

/** A block is a heading when its text is this much larger than the page's body text (LaTeX's \\large is 1.2× minus rounding). */
const HEADING_RATIO = 1.15;
/** Headings are short: at most this many lines and characters. */
const HEADING_MAX_LINES = 3;
const HEADING_MAX_CHARS = 200;
/** Heading sizes closer than this ratio share a level. */
const LEVEL_STEP = 0.9;
/** A bold heading of body size is one short line: at most this many characters. */
const BOLD_HEADING_MAX_CHARS = 80;

/**
 * Font names of bold faces: "…-Bold", "…Black", "…Semibold", "…-Medi" (URW), and TeX's bold
 * extended faces: "CMBX10", "CMSSBX10", "SFBX1000" / "ECBX1000", "SFSX1000" (sans).
 */
export function isBoldFontName(name: string): boolean {
  const base = name.replace(/^[A-Z]{6}\+/, "");
  return /bold|black|heavy|demi|semi|-medi\b|medium/i.test(base) || /^(cm|lm)(bx|b|ssbx|ssdc)\d|^(sf|ec)(bx|sx|bi|xc)\d/i.test(base);
}

/**
 * Text that cannot be a heading: no letter, more symbols and digits than letters, or under 3
 * letters with any symbol or digit (an equation fragment, a page number, "–2", "x = 1", "(a)").
 */
function looksLikeFormula(text: string): boolean {
  const letters = text.match(/\p{L}/gu)?.length ?? 0;
  const other = text.replace(/[\s\p{L}]/gu, "").length;
  return letters === 0 || other > letters || (letters < 3 && other > 0);
}

/**
 * A block that is a heading if its font is bold: one or two short lines of about body size, not
 * ending in a period, not a formula. The text-layer path looks up font names only when a page has
 * one (that costs an operator list).
 */
export function isBoldHeadingCandidate(block: LayoutBlock, body: number): boolean {
  const text = block.lines.join(" ").trim();
  return (
    !block.table &&
    block.font !== undefined &&
    block.lines.length <= 2 &&
    text.length <= BOLD_HEADING_MAX_CHARS &&
    !/[.,;]$/.test(text) &&
    block.size >= body * 0.95 &&
    !looksLikeFormula(text)
  );
}

function charCount(block: LayoutBlock): number {
  return block.lines.reduce((n, line) => n + line.replace(/\s/g, "").length, 0);
}

/** The size of the body text: the size that most characters on the page have. */
export function bodySize(blocks: readonly LayoutBlock[]): number {
  const weights = new Map<number, number>();
  for (const block of blocks) {
    const key = Math.round(block.size * 4) / 4;
    weights.set(key, (weights.get(key) ?? 0) + charCount(block));
  }
  let best = 0;
  let bestWeight = -1;
  for (const [size, weight] of weights) {
    if (weight > bestWeight || (weight === bestWeight && size < best)) {
      best = size;
      bestWeight = weight;
    }
  }
  return best;
}

/**
 * Marks headings: blocks clearly larger than the body text (levels 1–3 by size), and short bold
 * blocks of about body size (`bold` set, see `isBoldHeadingCandidate`: the level below the sized
 * ones). Equation fragments are never headings. Returns new blocks.
 */
export function classifyHeadings(blocks: readonly LayoutBlock[]): LayoutBlock[] {
  const body = bodySize(blocks);
  const bySize = (block: LayoutBlock) =>
    body > 0 &&
    !block.table &&
    block.size >= body * HEADING_RATIO &&
    block.lines.length <= HEADING_MAX_LINES &&
    block.lines.join(" ").length <= HEADING_MAX_CHARS &&
    !looksLikeFormula(block.lines.join(""));
  const byWeight = (block: LayoutBlock) => body > 0 && block.bold === true && isBoldHeadingCandidate(block, body);
  const isHeading = (block: LayoutBlock) => bySize(block) || byWeight(block);
  const sizes = blocks
    .filter(bySize)
    .map((b) => b.size)
    .sort((a, b) => b - a);
  const levelSizes: number[] = [];
  for (const size of sizes) {
    const last = levelSizes.at(-1);
    if (last === undefined || size < last * LEVEL_STEP) levelSizes.push(size);
  }
  const levelOf = (block: LayoutBlock) =>
    bySize(block)
      ? Math.min(3, levelSizes.findIndex((s) => block.size >= s * LEVEL_STEP) + 1)
      : Math.min(3, Math.max(2, levelSizes.length + 1));
  return blocks.map((block) => {
    const { headingLevel: _, ...rest } = block;
    return isHeading(block) ? { ...rest, headingLevel: levelOf(block) } : rest;
  });
}

/**
 * Joins words hyphenated across a line end: "recog-" + "nition is" → "recognition" + "is". Only a
 * hyphen after a letter, followed by a lowercase letter on the next line, is taken for
 * hyphenation (a dash, or "X-" before "Ray", stays).
 */
export function joinHyphenation(lines: readonly string[]): string[] {
  const out = [...lines];
  for (let i = 0; i + 1 < out.length; i++) {
    const line = out[i]!;
    const next = out[i + 1]!;
    if (!/\p{L}-$/u.test(line) || !/^\p{Ll}/u.test(next)) continue;
    const [fragment = "", ...rest] = next.split(" ");
    out[i] = line.slice(0, -1) + fragment;
    out[i + 1] = rest.join(" ");
  }
  return out.filter((line) => line.length > 0);
}

/** Plain text: one block per paragraph, lines kept, blocks separated by a blank line. */
export function toPlainText(blocks: readonly LayoutBlock[]): string {
  return blocks.map((b) => b.lines.join("\n")).join("\n\n");
}

/** Escapes what would turn a plain line into Markdown structure (a heading, list item or quote). */
export function escapeLine(line: string): string {
  if (/^\s*([-=_*])\1{2,}\s*$/.test(line)) return `\\${line.trim()}`;
  return line.replace(/^(\s*)(#{1,6}|[>+*-])(?=\s|$)/, "$1\\$2").replace(/^(\s*\d+)([.)])(?=\s|$)/, "$1\\$2");
}

/** Markdown: headings as `#`…`###` on one line, tables as GitHub tables, paragraphs as text. */
export function toMarkdown(blocks: readonly LayoutBlock[]): string {
  return blocks
    .map((b) =>
      b.table
        ? tableToMarkdown(b.table)
        : b.headingLevel
          ? `${"#".repeat(b.headingLevel)} ${b.lines.join(" ").replace(/\s+/g, " ").trim()}`
          : b.lines.map(escapeLine).join("\n"),
    )
    .join("\n\n");
}

export function toEngineBlocks(blocks: readonly LayoutBlock[]): EngineBlock[] {
  return blocks.map((b) => ({
    type: b.table ? "table" : b.headingLevel === 1 ? "doc_title" : b.headingLevel ? "paragraph_title" : "text",
    text: b.table ? tableToHtml(b.table) : b.lines.join("\n"),
    bbox: b.bbox.map((v) => Math.round(v * 10) / 10) as EngineBlock["bbox"],
    score: Math.round(b.score * 1000) / 1000,
  }));
}
