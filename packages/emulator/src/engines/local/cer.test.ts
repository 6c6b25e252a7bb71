import { describe, expect, it } from "vitest";
import { characterErrorRate, collapseWhitespace, levenshtein } from "./cer.js";

describe("levenshtein", () => {
  it("counts insertions, deletions and substitutions", () => {
    expect(levenshtein("kitten", "sitting")).toBe(3);
    expect(levenshtein("sitting", "kitten")).toBe(3);
    expect(levenshtein("", "abc")).toBe(3);
    expect(levenshtein("abc", "")).toBe(3);
    expect(levenshtein("same", "same")).toBe(0);
    expect(levenshtein("flaw", "lawn")).toBe(2);
  });
});

describe("characterErrorRate", () => {
  it("ignores how whitespace is laid out", () => {
    expect(collapseWhitespace("  a\n\nb \t c\n")).toBe("a b c");
    expect(characterErrorRate("Heading\n\nOne two\nthree", "Heading One two three")).toBe(0);
  });

  it("divides the edit distance by the reference length", () => {
    expect(characterErrorRate("HellO World", "Hello World")).toBeCloseTo(1 / 11);
    expect(characterErrorRate("", "abcd")).toBe(1);
    expect(characterErrorRate("abcdabcd", "abcd")).toBe(1);
  });

  it("handles an empty reference", () => {
    expect(characterErrorRate(" ", "")).toBe(0);
    expect(characterErrorRate("x", "")).toBe(1);
  });
});
