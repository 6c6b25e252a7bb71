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
    const needle = comparable(element.text, false).letters;
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
    if (element.bbox) span.bbox = element.bbox.slice() as ElementSpan["bbox"]; // a copy of its own; slice, not a spread (iterators)
    spans.push(span);
  }
  return spans;
}

const UTF16 = new TextDecoder("utf-16le");

// Scratch space `comparable` reuses for texts up to SCRATCH_LENGTH (96 KB, made on first use):
// the letters are decoded to a string at once, and the offsets are those of the page text, kept
// only while its elements are looked up (their own texts are read without offsets). Two arrays
// per text were most of page mode's garbage.
const SCRATCH_LENGTH = 16_384;
let codeScratch: Uint16Array | undefined;
let offsetScratch: Int32Array | undefined;
const EMPTY_OFFSETS = new Int32Array(0);

/**
 * Lower-cased letters and digits of a text, and (`withOffsets`) where each sits in the text (the
 * first `letters.length` entries of `offsets`, which the next call with offsets overwrites). A
 * loop over code units into typed arrays, ASCII first: it runs over every page and element of a
 * result, and allocating per character made it the mapping's slowest step.
 */
function comparable(text: string, withOffsets = true): { letters: string; offsets: Int32Array } {
  const scratch = text.length <= SCRATCH_LENGTH;
  if (scratch && !codeScratch) codeScratch = new Uint16Array(SCRATCH_LENGTH);
  if (scratch && withOffsets && !offsetScratch) offsetScratch = new Int32Array(SCRATCH_LENGTH);
  const codes = scratch && codeScratch ? codeScratch : new Uint16Array(text.length);
  const offsets = !withOffsets ? EMPTY_OFFSETS : scratch && offsetScratch ? offsetScratch : new Int32Array(text.length);
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 128) {
      if ((code >= 48 && code <= 57) || (code >= 97 && code <= 122)) codes[count] = code;
      else if (code >= 65 && code <= 90) codes[count] = code + 32;
      else continue;
      if (withOffsets) offsets[count] = i;
      count++;
      continue;
    }
    const char = String.fromCodePoint(text.codePointAt(i) as number);
    if (/[\p{L}\p{N}]/u.test(char)) {
      const lower = char.toLowerCase();
      // One comparable unit per code unit, so offsets stay aligned (some letters change length when lower-cased).
      const unit = lower.length === char.length ? lower : char;
      for (let j = 0; j < unit.length; j++) {
        codes[count] = unit.charCodeAt(j);
        if (withOffsets) offsets[count] = i + j;
        count++;
      }
    }
    i += char.length - 1;
  }
  return { letters: UTF16.decode(codes.subarray(0, count)), offsets };
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
