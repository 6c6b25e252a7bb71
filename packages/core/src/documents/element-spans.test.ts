import { describe, expect, it } from "vitest";
import type { OcrElement } from "../index.js";
import { elementSpans, spansInChunk } from "./element-spans.js";

const element = (order: number, text: string, category: OcrElement["category"] = "text"): OcrElement => ({
  order,
  category,
  label: undefined,
  text,
  markdown: text,
  bbox: [order, order, order + 10, order + 10],
});

describe("elementSpans", () => {
  const page = "## Résumé\n\nFirst *para*\ngraph here.\n\n| k | v |\n| --- | --- |\n| x | 1 |\n\nFirst para";
  const elements = [
    element(1, "Résumé", "heading"),
    element(2, "First para graph here."),
    element(3, "k\tv\nx\t1", "table"),
    element(4, "First para"),
    element(5, ""),
  ];

  it("finds each element's text in reading order, ignoring markdown, whitespace and case", () => {
    const spans = elementSpans(page, elements);
    expect(spans.map((s) => [s.order, page.slice(s.start, s.end), s.lines])).toEqual([
      [1, "Résumé", { from: 1, to: 1 }],
      [2, "First *para*\ngraph here", { from: 3, to: 4 }],
      [3, "k | v |\n| --- | --- |\n| x | 1", { from: 6, to: 8 }],
      [4, "First para", { from: 10, to: 10 }],
    ]);
    expect(spans[0]?.bbox).toEqual([1, 1, 11, 11]);
  });

  it("finds elements in a page of any length, the page's offsets kept while its elements are read", () => {
    const filler = "Lorem ipsum dolor sit amet. ".repeat(1000); // 28,000 characters
    const long = `# Start\n\n${filler}\n\nThe End`;
    const spans = elementSpans(long, [element(1, "Start", "title"), element(2, filler.trim()), element(3, "the end")]);
    // A span runs from the first letter or digit to the last: the final "." is not in it.
    expect(spans.map((s) => long.slice(s.start, s.end))).toEqual(["Start", filler.trim().slice(0, -1), "The End"]);
    // A short page after a long one gets its own offsets.
    expect(elementSpans(page, elements).map((s) => page.slice(s.start, s.end))[0]).toBe("Résumé");
  });

  it("leaves out elements whose text is not in the page", () => {
    expect(elementSpans("nothing alike", elements)).toEqual([]);
  });

  it("picks the spans a chunk overlaps, by lines or by characters", () => {
    const spans = elementSpans(page, elements);
    expect(spansInChunk(spans, { lines: { from: 4, to: 6 } }).map((s) => s.order)).toEqual([2, 3]);
    expect(spansInChunk(spans, { chars: { start: 0, end: 5 } }).map((s) => s.order)).toEqual([1]);
    expect(spansInChunk(spans, {}).map((s) => s.order)).toEqual([1, 2, 3, 4]);
  });
});
