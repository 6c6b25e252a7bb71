import { describe, expect, it } from "vitest";
import { categoryOf, ELEMENT_CATEGORIES } from "./categories.js";

describe("categoryOf", () => {
  it("maps PaddleOCR's layout labels onto the vocabulary", () => {
    const labels = ["doc_title", "paragraph_title", "text", "table", "image", "chart", "formula", "header", "footer", "number"];
    expect(labels.map(categoryOf)).toEqual([
      "title",
      "heading",
      "text",
      "table",
      "image",
      "chart",
      "formula",
      "header",
      "footer",
      "page_number",
    ]);
    expect(["figure_title", "table_title", "footnote", "aside_text", "algorithm", "reference"].map(categoryOf)).toEqual([
      "figure_caption",
      "table_caption",
      "footnote",
      "aside",
      "code",
      "reference",
    ]);
  });

  it("ignores case, spaces and dashes; unknown labels are uncategorized, a missing one is text", () => {
    expect(categoryOf("Paragraph Title")).toBe("heading");
    expect(categoryOf("page-header")).toBe("header");
    expect(categoryOf("hologram")).toBe("uncategorized");
    expect(categoryOf("constructor")).toBe("uncategorized"); // not an Object.prototype key
    expect(categoryOf(undefined)).toBe("text");
    expect(ELEMENT_CATEGORIES).toContain("uncategorized");
  });
});
