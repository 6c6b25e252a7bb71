/**
 * Accuracy measures of the local-engine benchmark beyond CER: word error rate, reading order,
 * table rows and receipts' amounts. Both sides (engine and native tools) are measured by the same functions.
 */
import { characterErrorRate, collapseWhitespace, levenshtein } from "../../packages/emulator/src/engines/local/cer.js";

/** Text as compared: Unicode compatibility forms folded (ligatures, non-breaking spaces). */
const fold = (text: string) => text.normalize("NFKC");

export const cer = (hypothesis: string, reference: string): number => characterErrorRate(fold(hypothesis), fold(reference));

/** Word error rate: edit distance over words (each word mapped to one code unit) over the reference's word count. */
export function wer(hypothesis: string, reference: string): number {
  const codes = new Map<string, string>();
  const encode = (text: string) =>
    collapseWhitespace(fold(text))
      .split(" ")
      .filter(Boolean)
      .map((word) => {
        let code = codes.get(word);
        if (code === undefined) {
          code = String.fromCharCode(0x100 + codes.size);
          codes.set(word, code);
        }
        return code;
      })
      .join("");
  const ref = encode(reference);
  const hyp = encode(hypothesis);
  if (ref.length === 0) return hyp.length === 0 ? 0 : 1;
  return levenshtein(hyp, ref) / ref.length;
}

const PROBE = 14;

/**
 * Reading order: lines of the reference (30+ characters) are looked up in the output by their first
 * (or else last) 14 characters. Of consecutive lines both found, the share where the second follows
 * the first directly: it starts after it, within the first line's length plus 40 characters. Glued
 * columns (a left line, then a right one) and columns swapped both fail it. `undefined` when fewer
 * than two lines were found.
 */
export function readingOrder(output: string, reference: string): number | undefined {
  const out = collapseWhitespace(fold(output));
  const found: { at: number; length: number }[] = [];
  for (const raw of fold(reference).split("\n")) {
    const line = collapseWhitespace(raw);
    if (line.length < 30) continue;
    const first = out.indexOf(line.slice(0, PROBE));
    const last = out.indexOf(line.slice(-PROBE));
    const at = first >= 0 ? first : last >= 0 ? last - line.length + PROBE : -1;
    found.push({ at, length: line.length });
  }
  let pairs = 0;
  let right = 0;
  for (let i = 1; i < found.length; i++) {
    const a = found[i - 1]!;
    const b = found[i]!;
    if (a.at < 0 || b.at < 0) continue;
    pairs++;
    if (b.at > a.at && b.at <= a.at + a.length + 40) right++;
  }
  return pairs === 0 ? undefined : right / pairs;
}

/**
 * Table rows: the share of the table's rows whose cells all appear, in order, on one line of the
 * output (a markdown table row, or a line of plain text; with `markdownTableOnly`, a markdown table
 * row only: the table was recognised as one). Cells are compared with whitespace collapsed and case
 * ignored.
 */
export function tableRowsKept(output: string, rows: readonly (readonly string[])[], options: { markdownTableOnly?: boolean } = {}): number {
  const lines = fold(output)
    .split("\n")
    .filter((line) => !options.markdownTableOnly || line.trimStart().startsWith("|"))
    .map((line) => collapseWhitespace(line.replace(/\|/g, " ")).toLowerCase());
  let kept = 0;
  for (const row of rows) {
    const cells = row.map((cell) => collapseWhitespace(fold(cell)).toLowerCase());
    const onOneLine = lines.some((line) => {
      let from = 0;
      for (const cell of cells) {
        const at = line.indexOf(cell, from);
        if (at < 0) return false;
        from = at + cell.length;
      }
      return true;
    });
    if (onOneLine) kept++;
  }
  return rows.length === 0 ? 1 : kept / rows.length;
}

/** Amounts with two decimals (`13.00`, `0.80`), not part of a longer number. */
const AMOUNT = /(?<![\d.,])\d+\.\d\d(?![\d.,])/g;

/**
 * Amounts kept: the share of the reference's amounts (`172.80`; each occurrence counts) found as
 * such in the output, each output amount matched once. A model that drops decimal points
 * (`14.54` → `1454`) loses them. `undefined` when the reference has none.
 */
export function amountsKept(output: string, reference: string): number | undefined {
  const expected = fold(reference).match(AMOUNT) ?? [];
  if (expected.length === 0) return undefined;
  const found: string[] = [...(fold(output).match(AMOUNT) ?? [])];
  let kept = 0;
  for (const amount of expected) {
    const at = found.indexOf(amount);
    if (at < 0) continue;
    found.splice(at, 1);
    kept++;
  }
  return kept / expected.length;
}
