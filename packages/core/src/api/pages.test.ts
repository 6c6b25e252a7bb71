import { describe, expect, it } from "vitest";
import { InvalidResponseError } from "../errors.js";
import { normalizePageRanges } from "../options/page-ranges.js";
import { findPageObjects, pagesFromObjects, pagesFromText, pagesInJson, remapPageNumbers } from "./pages.js";

const canonicalPage = (n: number) => ({
  page_number: n,
  markdown: `# Page ${n}`,
  text: `Page ${n}`,
  angle: 0,
  width: 1700,
  height: 2200,
  blocks: [{ type: "doc_title", text: `Page ${n}`, bbox: [10, 20, 300, 60], score: 0.97 }],
  vendor_field: "kept",
});
const markdown = { jobId: "job_1", format: "markdown" as const };

describe("findPageObjects", () => {
  it("finds pages at the top, under content, and under content.pages", () => {
    const pages = [canonicalPage(1)];
    expect(findPageObjects({ pages })).toBe(pages);
    expect(findPageObjects({ content: pages })).toBe(pages);
    expect(findPageObjects({ content: { pages } })).toBe(pages);
    expect(findPageObjects({ content: "# whole text" })).toBeUndefined();
  });
});

describe("pagesFromObjects", () => {
  it("maps canonical pages, keeping unknown fields in raw", () => {
    const [page] = pagesFromObjects([canonicalPage(1)], markdown);
    expect(page).toMatchObject({
      pageNumber: 1,
      content: "# Page 1",
      markdown: "# Page 1",
      text: "Page 1",
      angle: 0,
      width: 1700,
      height: 2200,
      elements: [
        { order: 1, category: "title", label: "doc_title", text: "Page 1", markdown: "# Page 1", bbox: [10, 20, 300, 60], score: 0.97 },
      ],
    });
    expect(page?.raw?.vendor_field).toBe("kept");
  });

  it("turns PaddleOCR table blocks (HTML) into table elements, and the page's HTML tables into markdown tables", () => {
    const table = "<html><body><table><tr><td>Year</td><td>Sales</td></tr><tr><td>2025</td><td>1,204</td></tr></table></body></html>";
    const object = {
      page_index: 0,
      markdown: `## Sales\n\n${table}\n\nUp 4 %.`,
      parsing_res_list: [
        { block_label: "paragraph_title", block_content: "Sales", block_bbox: [10, 10, 200, 40] },
        { block_label: "table", block_content: table, block_bbox: [10, 50, 600, 300] },
        { block_label: "text", block_content: "Up 4 %.", block_bbox: [10, 310, 600, 340] },
        { block_label: "seal_stamp_v9", block_content: "APPROVED", block_bbox: [500, 10, 590, 60] },
      ],
    };
    const [page] = pagesFromObjects([object], markdown);
    expect(page?.content).toBe("## Sales\n\n| Year | Sales |\n| --- | --- |\n| 2025 | 1,204 |\n\nUp 4 %.");
    expect(page?.elements?.map((e) => [e.order, e.category, e.label, e.bbox?.[1]])).toEqual([
      [1, "heading", "paragraph_title", 10],
      [2, "table", "table", 50],
      [3, "text", "text", 310],
      [4, "uncategorized", "seal_stamp_v9", 10],
    ]);
    expect(page?.elements?.[1]).toMatchObject({
      text: "Year\tSales\n2025\t1,204",
      markdown: "| Year | Sales |\n| --- | --- |\n| 2025 | 1,204 |",
      html: "<table><tr><td>Year</td><td>Sales</td></tr><tr><td>2025</td><td>1,204</td></tr></table>",
    });
  });

  it("reads elements off the markdown of pages without blocks", () => {
    const [page] = pagesFromObjects(
      [{ page_number: 1, markdown: "# T\n\n## Part\n\n- one\n- two\n\n| a | b |\n| --- | --- |\n| 1 | 2 |\n\nBody." }],
      markdown,
    );
    expect(page?.elements?.map((e) => [e.category, e.bbox])).toEqual([
      ["title", undefined],
      ["heading", undefined],
      ["list_item", undefined],
      ["table", undefined],
      ["text", undefined],
    ]);
    expect(page?.elements?.[3]?.html).toBe("<table><tr><th>a</th><th>b</th></tr><tr><td>1</td><td>2</td></tr></table>");
  });

  it("gives text when asked, and falls back to the other format when one is missing", () => {
    expect(pagesFromObjects([canonicalPage(1)], { ...markdown, format: "text" })[0]?.content).toBe("Page 1");
    expect(pagesFromObjects([{ page_number: 1, text: "only text" }], markdown)[0]?.content).toBe("only text");
  });

  it("reads PaddleOCR-style pages: 0-based page_index, angle, preview size, blocks, rec_texts", () => {
    const paddle = [
      {
        page_index: 0,
        doc_preprocessor_res: { angle: 90 },
        page_preview: { width: 800, height: 1000 },
        parsing_res_list: [
          { block_label: "title", block_content: "Annual report", block_bbox: [1, 2, 3, 4] },
          { block_label: "text", block_content: "Revenue grew.", block_bbox: [5, 6, 7, 8] },
          { block_label: "footer", block_content: "ACME confidential", block_bbox: [5, 90, 7, 95] },
          { block_label: "number", block_content: "1", block_bbox: [8, 90, 9, 95] },
        ],
      },
      { page_index: 1, overall_ocr_res: { rec_texts: ["line one", "line two"], rec_scores: [0.9, 0.8] } },
    ];
    const pages = pagesFromObjects(paddle, markdown);
    expect(pages.map((p) => [p.pageNumber, p.content])).toEqual([
      [1, "# Annual report\n\nRevenue grew."],
      [2, "line one\nline two"],
    ]);
    expect(pages[0]).toMatchObject({ angle: 90, width: 800, height: 1000 });
    expect(pages[0]?.elements?.[0]).toEqual({
      order: 1,
      category: "title",
      label: "title",
      text: "Annual report",
      markdown: "# Annual report",
      bbox: [1, 2, 3, 4],
    });
    expect(pagesFromObjects(paddle, { ...markdown, format: "text" })[0]?.content).toBe("Annual report\n\nRevenue grew.");
  });

  it("numbers pages by position when they carry no number, and sorts them", () => {
    expect(pagesFromObjects([{ text: "a" }, { text: "b" }], markdown).map((p) => p.pageNumber)).toEqual([1, 2]);
    expect(pagesFromObjects([canonicalPage(3), canonicalPage(1)], markdown).map((p) => p.pageNumber)).toEqual([1, 3]);
  });

  it("maps pages numbered 1..k back onto the requested page ranges", () => {
    const pageRanges = normalizePageRanges("2-3,7");
    const relative = pagesFromObjects([canonicalPage(1), canonicalPage(2), canonicalPage(3)], { ...markdown, pageRanges });
    expect(relative.map((p) => p.pageNumber)).toEqual([2, 3, 7]);
    const zeroBased = pagesFromObjects(
      [0, 1, 2].map((i) => ({ page_index: i, text: `p${i}` })),
      { ...markdown, pageRanges },
    );
    expect(zeroBased.map((p) => [p.pageNumber, p.content])).toEqual([
      [2, "p0"],
      [3, "p1"],
      [7, "p2"],
    ]);
    const original = pagesFromObjects([canonicalPage(2), canonicalPage(3), canonicalPage(7)], { ...markdown, pageRanges });
    expect(original.map((p) => p.pageNumber)).toEqual([2, 3, 7]);
  });

  it("raises an error naming the job when pages are not objects or carry no text", () => {
    expect(() => pagesFromObjects(["just a string"], markdown)).toThrow(InvalidResponseError);
    expect(() => pagesFromObjects(["just a string"], markdown)).toThrow(/job_1.*page 1 is string/);
    expect(() => pagesFromObjects([{ page_number: 1, foo: 1 }], markdown)).toThrow(/job_1.*carry no text/);
  });
});

describe("remapPageNumbers", () => {
  it("keeps numbers that are already original, and numbers outside any reading", () => {
    const ranges = normalizePageRanges("5-6");
    expect(remapPageNumbers([5, 6], ranges)).toEqual([5, 6]);
    expect(remapPageNumbers([1, 2], ranges)).toEqual([5, 6]);
    expect(remapPageNumbers([9], ranges)).toEqual([9]);
    expect(remapPageNumbers([1, 2], undefined)).toEqual([1, 2]);
  });
});

describe("pagesFromText", () => {
  it("splits on form feeds, ignoring a trailing one", () => {
    const pages = pagesFromText("one\ftwo\fthree\f", 3, markdown);
    expect(pages.map((p) => [p.pageNumber, p.content])).toEqual([
      [1, "one"],
      [2, "two"],
      [3, "three"],
    ]);
    expect(pages[0]?.markdown).toBe("one");
  });

  it("shows HTML tables of a markdown text as markdown tables, and reads elements off it", () => {
    const [page] = pagesFromText(
      "# Costs\n\n<table><tr><td>Item</td><td>EUR</td></tr><tr><td>Panel</td><td>120</td></tr></table>",
      1,
      markdown,
    );
    expect(page?.content).toBe("# Costs\n\n| Item | EUR |\n| --- | --- |\n| Panel | 120 |");
    expect(page?.elements?.map((e) => [e.category, e.text, e.html])).toEqual([
      ["title", "Costs", undefined],
      ["table", "Item\tEUR\nPanel\t120", "<table><tr><th>Item</th><th>EUR</th></tr><tr><td>Panel</td><td>120</td></tr></table>"],
    ]);
  });

  it("numbers split pages by the requested ranges", () => {
    const pages = pagesFromText("a\fb", 2, { ...markdown, pageRanges: normalizePageRanges("4,9") });
    expect(pages.map((p) => p.pageNumber)).toEqual([4, 9]);
  });

  it("numbers parts past the requested pages on after the last one (so a check sees them as extra)", () => {
    const pages = pagesFromText("a\fb\fc", 2, { ...markdown, pageRanges: normalizePageRanges("4,9") });
    expect(pages.map((p) => p.pageNumber)).toEqual([4, 9, 10]);
  });

  it("returns one whole-document item covering every page when there is nothing to split on", () => {
    expect(pagesFromText("all the text", 5, markdown)).toEqual([
      {
        pageNumber: 1,
        content: "all the text",
        markdown: "all the text",
        pageRange: { start: 1, end: 5 },
        elements: [{ order: 1, category: "text", label: undefined, text: "all the text", markdown: "all the text" }],
      },
    ]);
    expect(pagesFromText("all", 2, { ...markdown, pageRanges: normalizePageRanges("3-4") })[0]?.pageRange).toEqual({ start: 3, end: 4 });
    expect(pagesFromText("one page", 1, markdown)[0]?.pageRange).toBeUndefined();
  });
});

describe("pagesInJson", () => {
  it("reads the pages a json result shows by itself: objects, or its string split on form feeds", () => {
    expect(pagesInJson({ pages: [canonicalPage(2), canonicalPage(1)] }, markdown)?.map((p) => p.pageNumber)).toEqual([1, 2]);
    expect(pagesInJson({ page_count: 2, content: "a\fb" }, markdown)?.map((p) => p.content)).toEqual(["a", "b"]);
    expect(pagesInJson({ page_count: 3, content: "all" }, markdown)?.[0]?.pageRange).toEqual({ start: 1, end: 3 });
    expect(pagesInJson({ content: { text: "?" } }, markdown)).toBeUndefined();
  });
});
