import type { OcrElement, OcrPage } from "@sotaocr/core";
import { elementFields, elementSpans, spansInChunk } from "@sotaocr/core/documents";
import { describe, expect, it } from "vitest";
import { findHighlights, type HighlightPage } from "./highlight.js";

const title: OcrElement = {
  order: 1,
  category: "title",
  label: "doc_title",
  text: "Quarterly report",
  markdown: "# Quarterly report",
  bbox: [10, 10, 300, 40],
};
const body: OcrElement = {
  order: 2,
  category: "text",
  label: "text",
  text: "Revenue grew in every region.",
  markdown: "Revenue grew in every region.",
  bbox: [10, 60, 500, 120],
};
const table: OcrElement = { order: 3, category: "table", label: "table", text: "a\tb", markdown: "| a | b |", bbox: [10, 140, 500, 300] };
const page = (pageNumber: number): OcrPage => ({
  pageNumber,
  content: "# Quarterly report\n\nRevenue grew in every region.\n\n| a | b |",
  width: 600,
  height: 800,
  elements: [title, body, table],
});
const pages: HighlightPage[] = [1, 2, 3].map((n) => ({ source: "report.pdf", pageNumber: n, elements: page(n).elements ?? [] }));

describe("findHighlights", () => {
  it("an element Document (LangChain split: element): its page, and the element its coordinates.points name", () => {
    const metadata = { source: "report.pdf", loc: { pageNumber: 2 }, ...elementFields(body, page(2)) };
    expect(findHighlights({ pageContent: body.text, metadata }, pages)).toEqual({
      highlights: [{ label: "#1 page 2, 1 box", page: 1, orders: [2], boxes: [] }],
      problems: [],
    });
  });

  it("a LangChain page chunk: the spans its loc.lines overlap, as core's spansInChunk picks them", () => {
    const text = page(3).content;
    const spans = elementSpans(text, [title, body, table]);
    const lines = { from: 3, to: 3 }; // the paragraph's line
    const metadata = { source: "report.pdf", loc: { pageNumber: 3, lines }, sotaocr: { jobId: "job_1", elements: spans } };
    const { highlights } = findHighlights([{ pageContent: "Revenue grew", metadata }], pages);
    expect(highlights[0]?.page).toBe(2);
    expect(highlights[0]?.orders).toEqual(spansInChunk(spans, { lines }).map((span) => span.order));
    expect(highlights[0]?.orders).toEqual([2]);
    // Without lines (the whole page), every span.
    const whole = findHighlights({ metadata: { ...metadata, loc: { pageNumber: 3 } } }, pages);
    expect(whole.highlights[0]?.orders).toEqual([1, 2, 3]);
  });

  it("LlamaIndex: page_number, node wrappers, character offsets; lists under documents/sourceNodes", () => {
    const text = page(1).content;
    const spans = elementSpans(text, [title, body, table]);
    const start = text.indexOf("Revenue");
    const node = {
      node: {
        text: "Revenue grew",
        metadata: { file_name: "report.pdf", page_number: 1, spans },
        start_char_idx: start,
        end_char_idx: start + 5,
      },
      score: 0.8,
    };
    const { highlights, problems } = findHighlights({ sourceNodes: [node] }, pages);
    expect(problems).toEqual([]);
    expect(highlights).toEqual([{ label: "#1 page 1, 1 box", page: 0, orders: [2], boxes: [] }]);
  });

  it("without boxes, matches the chunk's text to the elements'; a box matching no element is kept to draw", () => {
    const byText = findHighlights({ metadata: { page_label: "2" }, text: "Quarterly  REPORT" }, pages);
    expect(byText.highlights[0]).toMatchObject({ page: 1, orders: [1] });
    const stray = findHighlights({ page_number: 1, bbox: [400, 500, 450, 560] }, pages);
    expect(stray.highlights[0]).toMatchObject({ page: 0, orders: [], boxes: [[400, 500, 450, 560]] });
    // A box a few pixels off still names its element.
    const near = findHighlights(
      {
        page_number: 1,
        coordinates: {
          points: [
            [12, 61],
            [12, 118],
            [498, 118],
            [498, 61],
          ],
        },
      },
      pages,
    );
    expect(near.highlights[0]?.orders).toEqual([2]);
  });

  it("says why a chunk was not found: no page number, a page not shown, nothing like a Document", () => {
    const { highlights, problems } = findHighlights([{ metadata: { source: "x" } }, { metadata: { page_number: 9 } }], pages);
    expect(highlights).toEqual([]);
    expect(problems).toEqual([
      "#1: no page number (page_number, loc.pageNumber, pageNumber or page_label) in its metadata.",
      "#2: page 9 is not among the pages shown.",
    ]);
    expect(findHighlights("hello", pages).problems).toEqual([
      "No Document or metadata found: paste a Document, its metadata, or a list of them, as JSON.",
    ]);
  });

  it("picks the document by source when several have the page", () => {
    const two = [...pages, { source: "other/annex.pdf", pageNumber: 1, elements: [body] }];
    expect(findHighlights({ metadata: { source: "annex.pdf", page_number: 1 } }, two).highlights[0]?.page).toBe(3);
    expect(findHighlights({ metadata: { source: "report.pdf", page_number: 1 } }, two).highlights[0]?.page).toBe(0);
  });

  it("is self-contained, as the page embeds it: its source alone evaluates to the same function", () => {
    const copy = new Function(`return (${findHighlights.toString()});`)() as typeof findHighlights;
    const metadata = { loc: { pageNumber: 2 }, ...elementFields(table, page(2)) };
    expect(copy({ metadata }, pages)).toEqual(findHighlights({ metadata }, pages));
    expect(copy({ metadata }, pages).highlights[0]?.orders).toEqual([3]);
  });
});
