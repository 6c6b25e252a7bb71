import { describe, expect, it } from "vitest";
import type { OcrElement, OcrResult } from "../index.js";
import { type DocumentPart, documentParts, elementId, forEachDocumentPart } from "./document-parts.js";
import { pageId, wholeResultId } from "./page-id.js";

const sha256 = "c".repeat(64);

const table: OcrElement = {
  order: 2,
  category: "table",
  label: "table",
  text: "a\tb\n1\t2",
  markdown: "| a | b |\n| --- | --- |\n| 1 | 2 |",
  html: "<table><tr><td>a</td><td>b</td></tr><tr><td>1</td><td>2</td></tr></table>",
  bbox: [10, 50, 300, 120],
};

function result(pageNumbers: number[], pageRanges?: OcrResult["pageRanges"], format: OcrResult["format"] = "markdown"): OcrResult {
  return {
    jobId: "job_1",
    format,
    pageCount: pageNumbers.length,
    pages: pageNumbers.map((pageNumber) => ({
      pageNumber,
      content: `# Page ${pageNumber}\n\n| a | b |\n| --- | --- |\n| 1 | 2 |`,
      width: 400,
      height: 500,
      elements: [
        {
          order: 1,
          category: "title",
          label: "doc_title",
          text: `Page ${pageNumber}`,
          markdown: `# Page ${pageNumber}`,
          bbox: [10, 10, 200, 40],
        },
        table,
        { order: 3, category: "image", label: "image", text: "", markdown: "", bbox: [10, 130, 300, 400] },
      ],
    })),
    pageRanges,
    pageSource: "pages",
    file: { filename: "a.pdf", source: "a.pdf", fileType: "pdf", size: 10, sha256 },
    raw: {},
  };
}

describe("documentParts", () => {
  it("gives no element part for an element of whitespace alone (any Unicode space), and forEachDocumentPart visits the same parts", () => {
    const blank = result([1]);
    const page = blank.pages[0] as OcrResult["pages"][number];
    page.elements = [
      ...(page.elements ?? []),
      { order: 4, category: "text", label: "text", text: " \n\u00a0\u2003\ufeff", markdown: " ", bbox: [0, 0, 1, 1] },
      { order: 5, category: "text", label: "text", text: "\u00a0x", markdown: "x", bbox: [0, 0, 1, 1] },
    ];
    const parts = documentParts(blank, "element");
    expect(parts.map((part) => part.kind === "element" && part.element.order)).toEqual([1, 2, 5]);
    const visited: DocumentPart[] = [];
    forEachDocumentPart(blank, "element", false, (part) => visited.push(part));
    expect(visited).toEqual(parts);
  });

  it("gives one part per page, numbered and identified as in the original document, with its elements' spans", () => {
    const parts = documentParts(result([2, 3], [{ start: 2, end: 3 }]), "page");
    expect(parts.map((part) => [part.kind, part.id, part.text.split("\n")[0]])).toEqual([
      ["page", pageId(sha256, 2), "# Page 2"],
      ["page", pageId(sha256, 3), "# Page 3"],
    ]);
    const [first] = parts;
    expect(first?.kind === "page" && first.spans.map((s) => [s.order, s.category, s.lines])).toEqual([
      [1, "title", { from: 1, to: 1 }],
      [2, "table", { from: 3, to: 5 }],
    ]);
  });

  it("gives one part per element with text, tables as markdown tables even in text format, ids by page and order", () => {
    const parts = documentParts(result([1], undefined, "text"), "element");
    expect(parts.map((part) => [part.kind, part.id, part.text])).toEqual([
      ["element", elementId(sha256, 1, 1), "Page 1"],
      ["element", elementId(sha256, 1, 2), table.markdown],
    ]);
    expect(parts[1]?.kind === "element" && parts[1].pageId).toBe(pageId(sha256, 1));
    expect(new Set([elementId(sha256, 1, 1), elementId(sha256, 1, 2), elementId(sha256, 2, 1), pageId(sha256, 1)]).size).toBe(4);
  });

  it("gives one part for the whole file, each page after its marker, with an id naming the ranges", () => {
    const [part] = documentParts(result([2, 3], [{ start: 2, end: 3 }]), "file");
    expect(part?.id).toBe(wholeResultId(sha256, [{ start: 2, end: 3 }]));
    expect(part?.text.startsWith("<!-- page 2 -->\n\n# Page 2\n\n| a | b |")).toBe(true);
    expect(part?.text).toContain("| 1 | 2 |\n\n<!-- page 3 -->\n\n# Page 3");
    const pages = part?.kind === "file" ? part.pages : [];
    expect(pages.map(({ pageNumber, start, end }) => [pageNumber, part?.text.slice(start, end).split("\n")[0]])).toEqual([
      [2, "# Page 2"],
      [3, "# Page 3"],
    ]);
    expect(documentParts(result([1]), "file")[0]?.id).not.toBe(part?.id);
  });

  it("takes a page marker template, function or false", () => {
    const text = (marker: Parameters<typeof documentParts>[2]) => documentParts(result([1, 2]), "file", marker)[0]?.text.split("\n\n");
    expect(text("=== {pageNumber} ===")?.filter((line) => line.startsWith("==="))).toEqual(["=== 1 ===", "=== 2 ==="]);
    expect(text((page) => `[p${page.pageNumber}/${page.width}]`)?.[0]).toBe("[p1/400]");
    expect(text(false)?.[0]).toBe("# Page 1");
  });
});
