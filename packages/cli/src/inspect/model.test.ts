import type { OcrPage } from "@sotaocr/core";
import { describe, expect, it } from "vitest";
import { inspectModel } from "./model.js";
import { inspectorHtml } from "./page.js";

const tableHtml = "<table><tr><td>Region</td><td>Q1</td></tr><tr><td><img src=x onerror=alert(1)>North</td><td>12</td></tr></table>";
const pages: OcrPage[] = [
  {
    pageNumber: 4,
    content: "# Title\n\ntext",
    markdown: "# Title\n\ntext",
    width: 1000,
    height: 1400,
    raw: { page_number: 2 }, // a job limited to pages 3-4 numbers them 1..2; previews take that number
    elements: [
      { order: 1, category: "title", label: "doc_title", text: "Title", markdown: "# Title", bbox: [1, 2, 3, 4] },
      { order: 2, category: "table", label: "table", text: "Region\tQ1", markdown: "| Region |", html: tableHtml, bbox: [5, 6, 7, 8] },
      { order: 3, category: "text", label: undefined, text: "read off markdown", markdown: "read off markdown" },
    ],
  },
  { pageNumber: 5, pageRange: { start: 5, end: 9 }, content: "rest" },
];

describe("inspectModel", () => {
  const model = inspectModel([{ source: "report.pdf", jobId: "job_1", pages }]);

  it("keeps per page what the page draws: size, markdown, elements with boxes and orders, the preview's number", () => {
    expect(model.documents).toEqual([{ source: "report.pdf", jobId: "job_1" }]);
    expect(model.pages[0]).toMatchObject({
      document: 0,
      pageNumber: 4,
      previewNumber: 2,
      width: 1000,
      height: 1400,
      markdown: "# Title\n\ntext",
    });
    expect(model.pages[0]?.elements.map((element) => [element.order, element.category, element.bbox])).toEqual([
      [1, "title", [1, 2, 3, 4]],
      [2, "table", [5, 6, 7, 8]],
      [3, "text", undefined],
    ]);
    expect(model.pages[0]?.elements[2]).not.toHaveProperty("bbox");
  });

  it("gives tables as cells (text), never their HTML", () => {
    expect(model.pages[0]?.elements[1]?.rows).toEqual([
      ["Region", "Q1"],
      ["North", "12"],
    ]);
    expect(JSON.stringify(model)).not.toContain("<img");
  });

  it("a page standing for a range of pages has no preview to ask for", () => {
    expect(model.pages[1]).toMatchObject({ pageNumber: 5, markdown: "rest", elements: [] });
    expect(model.pages[1]?.previewNumber).toBeUndefined();
  });

  it("matches --highlight chunks to pages, and says which it could not", () => {
    const matched = inspectModel(
      [{ source: "report.pdf", jobId: "job_1", pages }],
      [{ metadata: { page_number: 4, element_order: 2 } }, { metadata: { page_number: 1 } }],
    );
    expect(matched.highlights).toEqual([{ label: "#1 page 4, 1 box", page: 0, orders: [2], boxes: [] }]);
    expect(matched.highlightProblems).toEqual(["#2: page 1 is not among the pages shown."]);
  });
});

describe("inspectorHtml", () => {
  it("embeds the model as JSON that cannot close its script element; no remote resources", () => {
    const hostile = inspectModel([
      { source: "</script><script>alert(1)</script>.pdf", jobId: "job_1", pages: [{ pageNumber: 1, content: "<!-- x --></script>" }] },
    ]);
    for (const served of [true, false]) {
      const html = inspectorHtml(hostile, { served });
      expect(html.match(/<\/script>/g)).toHaveLength(2); // the model's and the code's own
      expect(html).not.toMatch(/\b(?:src|href)=["']?(?:https?:)?\/\//);
      expect(html).toContain("default-src 'none'");
      expect(html).toContain(served ? "connect-src 'self'" : "connect-src 'none'");
      const json = /<script id="model" type="application\/json">(.*?)<\/script>/s.exec(html)?.[1] as string;
      expect(JSON.parse(json)).toEqual(hostile);
    }
  });
});
