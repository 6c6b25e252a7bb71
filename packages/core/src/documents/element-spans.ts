import type { OcrElement } from "../index.js";

// Where each element's text sits in a page Document's text, so a chunk of that text (a splitter's
// `loc.lines`, or a node's character offsets) leads back to the elements and boxes it came from.

/** One element's place in a page's text: characters [start, end) and lines from..to (1-based). */
export interface ElementSpan {
  order: number;
  category: OcrElement["category"];
  bbox?: [number, number, number, number];
  start: number;
  end: number;
  lines: { from: number; to: number };
}

/**
 * Finds each element's text in the page text, in reading order, comparing letters and digits
 * only (markdown marks, table pipes and whitespace differ between the two). Elements not found
 * (an image without text, text the service rewrote) get no span.
 */
export function elementSpans(pageText: string, elements: readonly OcrElement[]): ElementSpan[] {
  const { letters, offsets } = comparable(pageText);
  const lineStarts = [0];
  for (let i = pageText.indexOf("\n"); i >= 0; i = pageText.indexOf("\n", i + 1)) lineStarts.push(i + 1);
  const lineOf = (offset: number) => upperBound(lineStarts, offset);

  const spans: ElementSpan[] = [];
  let cursor = 0;
  for (const element of elements) {
    const needle = comparable(element.text).letters;
    if (!needle) continue;
    let at = letters.indexOf(needle, cursor);
    if (at < 0) at = letters.indexOf(needle);
    if (at < 0) continue;
    cursor = at + needle.length;
    const start = offsets[at] as number;
    const end = (offsets[at + needle.length - 1] as number) + 1;
    const span: ElementSpan = {
      order: element.order,
      category: element.category,
      start,
      end,
      lines: { from: lineOf(start), to: lineOf(end - 1) },
    };
    if (element.bbox) span.bbox = [...element.bbox];
    spans.push(span);
  }
  return spans;
}

/** Lower-cased letters and digits of a text, and where each sits in the text. */
function comparable(text: string): { letters: string; offsets: number[] } {
  let letters = "";
  const offsets: number[] = [];
  for (const match of text.matchAll(/[\p{L}\p{N}]/gu)) {
    const lower = match[0].toLowerCase();
    // Keep one comparable unit per code unit, so offsets stay aligned (some letters change length when lower-cased).
    const unit = lower.length === match[0].length ? lower : match[0];
    letters += unit;
    for (let i = 0; i < unit.length; i++) offsets.push(match.index + i);
  }
  return { letters, offsets };
}

/** How many of the sorted `values` are ≤ `value` (the 1-based line of an offset). */
function upperBound(values: readonly number[], value: number): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if ((values[mid] as number) <= value) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * The spans a chunk overlaps: by its lines in the page text (LangChain's splitters write them to
 * `loc.lines`) or its characters (LlamaIndex nodes' `startCharIdx`/`endCharIdx`); every span
 * when the chunk is the whole page.
 */
export function spansInChunk(
  spans: readonly ElementSpan[],
  chunk: { lines?: { from: number; to: number } | undefined; chars?: { start: number; end: number } | undefined },
): ElementSpan[] {
  const { lines, chars } = chunk;
  if (chars) return spans.filter((span) => span.start < chars.end && span.end > chars.start);
  if (lines) return spans.filter((span) => span.lines.from <= lines.to && span.lines.to >= lines.from);
  return [...spans];
}
