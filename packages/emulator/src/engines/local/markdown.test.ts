import { describe, expect, it } from "vitest";
import {
  bodySize,
  classifyHeadings,
  escapeLine,
  isBoldFontName,
  joinHyphenation,
  type LayoutBlock,
  toEngineBlocks,
  toMarkdown,
  toPlainText,
} from "./markdown.js";

const block = (lines: string[], size: number): LayoutBlock => ({ lines, bbox: [10, 20, 300, 40], score: 1, size });
const body = "A body paragraph with enough characters to outweigh every heading on this page.";

describe("classifyHeadings", () => {
  it("takes the size most characters have as the body size", () => {
    expect(bodySize([block(["Title"], 20), block([body, body], 11), block(["Short"], 9)])).toBe(11);
  });

  it("marks larger short blocks as headings, levels by size", () => {
    const blocks = classifyHeadings([
      block(["Annual Report"], 24),
      block([body, body], 11),
      block(["Revenue"], 16),
      block([body], 11),
      block(["Costs"], 15.5),
      block(["Fine print that is small."], 8),
    ]);
    expect(blocks.map((b) => b.headingLevel)).toEqual([1, undefined, 2, undefined, 2, undefined]);
  });

  it("does not make a heading of a large block of running text, nor of a page with one size", () => {
    const long = Array.from({ length: 5 }, () => "Large print paragraph line.");
    expect(classifyHeadings([block(long, 20), block([body, body, body, body, body, body], 11)]).every((b) => !b.headingLevel)).toBe(true);
    expect(classifyHeadings([block(["Tesseract.js"], 30)])[0]!.headingLevel).toBeUndefined();
  });

  it("never makes a heading of an equation fragment or a page number", () => {
    const blocks = classifyHeadings([
      block(["x = 1"], 16),
      block(["–2"], 16),
      block(["(a)"], 16),
      block(["Σ(x²) + 2"], 16),
      block([body, body], 11),
    ]);
    expect(blocks.map((b) => b.headingLevel)).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });

  it("marks short bold blocks of body size as headings, below the sized ones, unless they read as a sentence", () => {
    const bold = (lines: string[], size = 11): LayoutBlock => ({ ...block(lines, size), font: "f2", bold: true });
    const blocks = classifyHeadings([
      block(["Annual Report"], 16),
      bold(["2.3 Using the package"]),
      block([body, body], 11),
      bold(["A bold sentence in the text ends with a period."]),
      { ...block(["Not bold"], 11), font: "f1", bold: false },
      bold(["x + y = 2"]),
    ]);
    expect(blocks.map((b) => b.headingLevel)).toEqual([1, 2, undefined, undefined, undefined, undefined]);
  });

  it("recognises bold faces by font name", () => {
    for (const name of [
      "ABCDEF+NimbusRomNo9L-Medi",
      "Helvetica-Bold",
      "Inter-SemiBold",
      "CMBX10",
      "WPJQOJ+SFBX1000",
      "LMRoman10-Bold",
      "Arial Black",
    ]) {
      expect(isBoldFontName(name), name).toBe(true);
    }
    for (const name of ["NimbusRomNo9L-Regu", "CMR10", "SFRM1000", "LMSans12-Oblique", "Helvetica", ""]) {
      expect(isBoldFontName(name), name).toBe(false);
    }
  });

  it("caps levels at 3", () => {
    const blocks = classifyHeadings([block(["A"], 40), block(["B"], 30), block(["C"], 22), block(["D"], 16), block([body, body], 11)]);
    expect(blocks.map((b) => b.headingLevel)).toEqual([1, 2, 3, 3, undefined]);
  });
});

describe("rendering", () => {
  const blocks = classifyHeadings([
    block(["Solar Panel", "Maintenance"], 20),
    block(["First line", "second line."], 11),
    block([body], 11),
  ]);

  it("renders plain text with headings as lines and blank lines between blocks", () => {
    expect(toPlainText(blocks)).toBe(`Solar Panel\nMaintenance\n\nFirst line\nsecond line.\n\n${body}`);
  });

  it("renders headings as one Markdown heading line", () => {
    expect(toMarkdown(blocks)).toBe(`# Solar Panel Maintenance\n\nFirst line\nsecond line.\n\n${body}`);
  });

  it("escapes text that would read as Markdown structure", () => {
    expect(escapeLine("# not a heading")).toBe("\\# not a heading");
    expect(escapeLine("## neither")).toBe("\\## neither");
    expect(escapeLine("- not a list")).toBe("\\- not a list");
    expect(escapeLine("12. not a list")).toBe("12\\. not a list");
    expect(escapeLine("---")).toBe("\\---");
    expect(escapeLine("#hashtag and 3.5 and a-b")).toBe("#hashtag and 3.5 and a-b");
  });

  it("makes engine blocks with a type, rounded boxes and scores", () => {
    const [heading, text] = toEngineBlocks([{ ...blocks[0]!, bbox: [1.234, 2, 3, 4.56], score: 0.98765 }, blocks[1]!]);
    expect(heading).toEqual({ type: "doc_title", text: "Solar Panel\nMaintenance", bbox: [1.2, 2, 3, 4.6], score: 0.988 });
    expect(text!.type).toBe("text");
  });
});

describe("joinHyphenation", () => {
  it("joins a word hyphenated across a line end and keeps dashes and compounds before capitals", () => {
    expect(joinHyphenation(["the recog-", "nition of text", "an X-", "Ray and a dash -", "here"])).toEqual([
      "the recognition",
      "of text",
      "an X-",
      "Ray and a dash -",
      "here",
    ]);
  });
});
