import { describe, expect, it } from "vitest";
import { mixedOrder } from "./file-order.js";

interface File {
  id: number;
  pages: number | undefined;
}

const filesOf = (pages: (number | undefined)[]): File[] => pages.map((count, id) => ({ id, pages: count }));

/** A seeded generator (mulberry32), so a failing batch can be made again. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Batches of 0–300 files of 1–`maxPages` pages, about one in ten unknown. */
const batches = Array.from({ length: 60 }, (_, seed) => {
  const next = random(seed);
  const maxPages = [1, 2, 4, 12, 300][seed % 5] as number;
  const size = seed < 5 ? seed : Math.floor(next() * 301);
  return filesOf(Array.from({ length: size }, () => (next() < 0.1 ? undefined : 1 + Math.floor(next() * maxPages))));
});

/** How many files end a batch of `known` files of known length: up to 16, from its shorter half. */
const endingLength = (known: number) => Math.min(16, known - Math.floor(known / 2));

describe("mixedOrder", () => {
  it("a worked batch: the shorter half ends it, longest first; the others taken longest or shortest to keep the running total near the mean", () => {
    // Ten files: the shorter half (the 2-page files 5 and 8, the three 1-page files) ends the batch.
    // The other five hold 16 pages (mean 3.2); the longest is taken whenever the running total with
    // it stays within the mean times the files taken.
    const order = mixedOrder(filesOf([2, 1, 4, 3, 1, 2, 4, 3, 2, 1]));
    expect(order.map((file) => file.pages)).toEqual([2, 4, 3, 3, 4, 2, 2, 1, 1, 1]);
    expect(order.map((file) => file.id)).toEqual([0, 2, 3, 7, 6, 5, 8, 1, 4, 9]);
  });

  it("ends a large batch on 16 files whose lengths are spread over its shorter half, longest first", () => {
    // 200 files of 1–4 pages: the shorter half is 50 of 2 pages and 50 of 1.
    const order = mixedOrder(filesOf(Array.from({ length: 200 }, (_, i) => 1 + (i % 4))));
    expect(order.slice(-16).map((file) => file.pages)).toEqual([...Array(8).fill(2), ...Array(8).fill(1)]);
  });

  it("empty and single batches", () => {
    expect(mixedOrder([])).toEqual([]);
    expect(mixedOrder(filesOf([3]))).toEqual(filesOf([3]));
    expect(mixedOrder(filesOf([undefined]))).toEqual(filesOf([undefined]));
  });

  it("does not change the caller's array", () => {
    const files = filesOf([1, 4, 2]);
    mixedOrder(files);
    expect(files).toEqual(filesOf([1, 4, 2]));
  });

  it("keeps every file exactly once", () => {
    for (const files of batches) {
      const order = mixedOrder(files);
      expect(order).toHaveLength(files.length);
      expect(order.map((file) => file.id).sort((a, b) => a - b)).toEqual(files.map((file) => file.id));
    }
  });

  it("puts files of unknown length first, in the order given", () => {
    expect(mixedOrder(filesOf([2, undefined, 5, undefined])).map((file) => file.id)).toEqual([1, 3, 2, 0]);
    for (const files of batches) {
      const unknown = files.filter((file) => file.pages === undefined);
      expect(mixedOrder(files).slice(0, unknown.length)).toEqual(unknown);
    }
  });

  it("ends on up to 16 files of known length from the shorter half, longest first, the shortest last", () => {
    for (const files of batches) {
      const known = files.flatMap((file) => (file.pages === undefined ? [] : [file.pages])).sort((a, b) => b - a);
      if (known.length === 0) continue;
      const shorter = known.slice(Math.floor(known.length / 2));
      const ending = mixedOrder(files)
        .slice(-endingLength(known.length))
        .map((file) => file.pages as number);
      expect(ending).toEqual([...ending].sort((a, b) => b - a));
      expect(Math.max(...ending)).toBeLessThanOrEqual(shorter[0] as number);
      expect(ending.at(-1)).toBe(known.at(-1));
    }
  });

  it("keeps the running total of the others within one longest file of their mean times the files taken", () => {
    for (const files of batches) {
      const known = files.filter((file) => file.pages !== undefined);
      const mixed = mixedOrder(files).slice(files.length - known.length, files.length - endingLength(known.length));
      const pages = mixed.map((file) => file.pages as number);
      const total = pages.reduce((sum, count) => sum + count, 0);
      const longest = Math.max(0, ...pages);
      let taken = 0;
      for (const [i, count] of pages.entries()) {
        taken += count;
        // |taken − mean × (i + 1)| ≤ longest, times the count to stay in integers.
        expect(Math.abs(taken * pages.length - total * (i + 1))).toBeLessThanOrEqual(longest * pages.length);
      }
    }
  });

  it("keeps files of equal length in the order given", () => {
    for (const files of batches) {
      const order = mixedOrder(files);
      for (const pages of new Set(files.map((file) => file.pages))) {
        const ids = order.filter((file) => file.pages === pages).map((file) => file.id);
        expect(ids).toEqual([...ids].sort((a, b) => a - b));
      }
    }
  });
});
