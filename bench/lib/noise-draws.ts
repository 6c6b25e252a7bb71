/**
 * The spread of the corpus's degraded classes over their noise draws (`NOISE_SEEDS` in
 * `corpus.ts`): a class's CER is the mean over every draw, and these rows show each draw apart, so
 * a reader sees whether one draw decides a ratio (docs/benchmarks.md §5, "Several noise draws").
 */
import { mean, round } from "./stats.js";

export interface DrawReading {
  group: string;
  reader: "local" | "native";
  /** The noise seed of a degraded scan; undefined for pages that are not drawn. */
  seed?: number;
  cer: number;
}

export interface DrawRow {
  group: string;
  seed: number;
  pages: number;
  cer: number;
  native_cer: number;
  /** Engine CER ÷ native CER; 1 when both are 0, unbounded when only native's is. */
  ratio: number;
}

/** One row per drawn group and seed (groups in first-seen order, seeds ascending): mean CER of each side, the ratio unrounded before. */
export function drawRows(readings: readonly DrawReading[]): DrawRow[] {
  const drawn = readings.filter((r): r is DrawReading & { seed: number } => r.seed !== undefined);
  const groups = [...new Set(drawn.map((r) => r.group))];
  return groups.flatMap((group) => {
    const seeds = [...new Set(drawn.filter((r) => r.group === group).map((r) => r.seed))].sort((a, b) => a - b);
    return seeds.map((seed) => {
      const side = (reader: "local" | "native") => drawn.filter((r) => r.group === group && r.seed === seed && r.reader === reader);
      const cer = mean(side("local").map((r) => r.cer));
      const nativeCer = mean(side("native").map((r) => r.cer));
      return {
        group,
        seed,
        pages: side("local").length,
        cer: round(cer, 4),
        native_cer: round(nativeCer, 4),
        ratio: ratioOf(cer, nativeCer),
      };
    });
  });
}

/** Engine ÷ native, rounded for the table; a tie at 0 is 1. */
export function ratioOf(cer: number, nativeCer: number): number {
  if (nativeCer === 0) return cer === 0 ? 1 : Number.POSITIVE_INFINITY;
  return round(cer / nativeCer, 2);
}
