import { describe, expect, it } from "vitest";
import { SotaOcrError } from "../index.js";
import { resolveDocumentOptions } from "./document-options.js";

describe("resolveDocumentOptions", () => {
  it("splits by page with the default page marker unless told otherwise", () => {
    const resolved = resolveDocumentOptions({ apiKey: "sk-test-123456" });
    expect([resolved.split, resolved.pageMarker]).toEqual(["page", "<!-- page {pageNumber} -->"]);
    expect(resolveDocumentOptions({ apiKey: "sk-test-123456", split: "element", pageMarker: false }).split).toBe("element");
  });

  it("refuses a split or page marker it does not know, saying what it takes", () => {
    const wrongSplit = { apiKey: "sk-test-123456", split: "pages" } as unknown as Parameters<typeof resolveDocumentOptions>[0];
    expect(() => resolveDocumentOptions(wrongSplit)).toThrow(SotaOcrError);
    expect(() => resolveDocumentOptions(wrongSplit)).toThrow('split must be "page", "element" or "file", not "pages".');
    const wrongMarker = { apiKey: "sk-test-123456", pageMarker: 3 } as unknown as Parameters<typeof resolveDocumentOptions>[0];
    expect(() => resolveDocumentOptions(wrongMarker)).toThrow("pageMarker must be a string, a function of the page or false, not 3.");
  });
});
