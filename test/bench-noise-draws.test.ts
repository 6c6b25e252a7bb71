import { describe, expect, it } from "vitest";
import { degradedScanName, NOISE_SEEDS } from "../bench/lib/corpus.js";
import { drawRows } from "../bench/lib/noise-draws.js";

// The local-engine bench reads each degraded scan in several noise draws (docs/benchmarks.md §5,
// "Several noise draws"): how the cache names them, and how a class's draws are told apart.

describe("the corpus's noise draws", () => {
  it("keeps the first draw's seed and cache name, so caches and fixtures made before stay valid", () => {
    expect(NOISE_SEEDS[0]).toBe(15);
    expect(degradedScanName("gnuplot-p40", 15)).toBe("gnuplot-p40-degraded.png");
  });

  it("gives every draw a file of its own", () => {
    const names = NOISE_SEEDS.map((seed) => degradedScanName("gnuplot-p40", seed));
    expect(new Set(names).size).toBe(NOISE_SEEDS.length);
    expect(degradedScanName("gnuplot-p40", 16)).toBe("gnuplot-p40-degraded-seed16.png");
  });
});

describe("drawRows", () => {
  const reading = (group: string, page: string, reader: "local" | "native", seed: number | undefined, cer: number) => ({
    group,
    page,
    reader,
    seed,
    cer,
  });

  it("averages each draw's pages per side, draws in seed order, and leaves out undrawn groups", () => {
    const rows = drawRows([
      reading("manual clean", "a", "local", undefined, 0.5),
      reading("manual degraded", "a", "local", 16, 0.02),
      reading("manual degraded", "b", "local", 16, 0.04),
      reading("manual degraded", "a", "native", 16, 0.01),
      reading("manual degraded", "b", "native", 16, 0.01),
      reading("manual degraded", "a", "local", 15, 0.01),
      reading("manual degraded", "b", "local", 15, 0.01),
      reading("manual degraded", "a", "native", 15, 0.02),
      reading("manual degraded", "b", "native", 15, 0.02),
    ]);
    expect(rows).toEqual([
      { group: "manual degraded", seed: 15, pages: 2, cer: 0.01, native_cer: 0.02, ratio: 0.5 },
      { group: "manual degraded", seed: 16, pages: 2, cer: 0.03, native_cer: 0.01, ratio: 3 },
    ]);
  });

  it("calls a draw that native reads perfectly 1 when the engine does too, and unbounded when it does not", () => {
    const rows = drawRows([
      reading("receipt degraded", "a", "local", 15, 0),
      reading("receipt degraded", "a", "native", 15, 0),
      reading("receipt degraded", "a", "local", 16, 0.1),
      reading("receipt degraded", "a", "native", 16, 0),
    ]);
    expect(rows.map((row) => row.ratio)).toEqual([1, Number.POSITIVE_INFINITY]);
  });
});
