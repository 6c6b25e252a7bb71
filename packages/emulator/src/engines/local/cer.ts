/**
 * Character error rate, the accuracy measure of the engine's tests and benchmarks: the Levenshtein
 * distance between the read text and the reference, divided by the reference's length, both with
 * whitespace collapsed (line breaks and paragraph spacing do not count, words and characters do).
 */

/** Collapses every run of whitespace to one space and trims. */
export function collapseWhitespace(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/** Edit distance (insertions, deletions, substitutions) between two strings, by UTF-16 code unit. */
export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length < b.length) [a, b] = [b, a];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  let current = new Array<number>(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution);
    }
    [previous, current] = [current, previous];
  }
  return previous[b.length]!;
}

/** Character error rate of `hypothesis` against `reference` (0 = identical; can exceed 1). */
export function characterErrorRate(hypothesis: string, reference: string): number {
  const ref = collapseWhitespace(reference);
  const hyp = collapseWhitespace(hypothesis);
  if (ref.length === 0) return hyp.length === 0 ? 0 : 1;
  return levenshtein(hyp, ref) / ref.length;
}
