import { describe, expect, it } from "vitest";
import type { OcrResult } from "../index.js";
import { documentParts } from "./document-parts.js";
import { pageId, wholeResultId } from "./page-id.js";

const sha256 = "c".repeat(64);

function result(pageNumbers: number[], pageRanges?: OcrResult["pageRanges"]): OcrResult {
  return {
    jobId: "job_1",
    format: "markdown",
    pageCount: pageNumbers.length,
    pages: pageNumbers.map((pageNumber) => ({ pageNumber, content: `# Page ${pageNumber}` })),
    pageRanges,
    pageSource: "pages",
    file: { filename: "a.pdf", source: "a.pdf", fileType: "pdf", size: 10, sha256 },
    raw: {},
  };
}

describe("documentParts", () => {
  it("gives one part per page, numbered and identified as in the original document", () => {
    const parts = documentParts(result([2, 3], [{ start: 2, end: 3 }]), true);
    expect(parts.map(({ id, text, page }) => [id, text, page?.pageNumber])).toEqual([
      [pageId(sha256, 2), "# Page 2", 2],
      [pageId(sha256, 3), "# Page 3", 3],
    ]);
  });

  it("gives one part for the whole result, its pages joined by a blank line, with an id naming the ranges", () => {
    const parts = documentParts(result([2, 3], [{ start: 2, end: 3 }]), false);
    expect(parts).toEqual([{ id: wholeResultId(sha256, [{ start: 2, end: 3 }]), text: "# Page 2\n\n# Page 3", page: undefined }]);
    expect(parts[0]?.id).not.toBe(documentParts(result([1, 2, 3]), false)[0]?.id);
  });
});
