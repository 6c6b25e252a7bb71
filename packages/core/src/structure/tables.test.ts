import { describe, expect, it } from "vitest";
import { htmlTablesToMarkdown, parseHtmlTable, parseMarkdownTable, tableToHtml, tableToMarkdown, tableToText } from "./tables.js";

describe("parseHtmlTable", () => {
  it("reads header and body cells, decoding entities and dropping inline tags", () => {
    const html =
      "<table><thead><tr><th>Name</th><th>Q&amp;A</th></tr></thead><tbody><tr><td><b>Ann</b></td><td>5 &lt; 6&nbsp;&#x2713;</td></tr></tbody></table>";
    expect(parseHtmlTable(html)).toEqual([
      ["Name", "Q&A"],
      ["Ann", "5 < 6 ✓"],
    ]);
  });

  it("keeps every row as wide as the table: spanned cells are left empty", () => {
    const html =
      "<table><tr><td colspan=2>Region</td><td>Total</td></tr>" +
      '<tr><td rowspan="2">North</td><td>Q1</td><td>3</td></tr>' +
      "<tr><td>Q2</td><td>4</td></tr><tr><td>South</td></tr></table>";
    expect(parseHtmlTable(html)).toEqual([
      ["Region", "", "Total"],
      ["North", "Q1", "3"],
      ["", "Q2", "4"],
      ["South", "", ""],
    ]);
  });

  it("reads tags in any case with attributes, squeezes every kind of whitespace, and keeps a < that opens no tag", () => {
    const html =
      "<TABLE border=1><TR><TH class='h'>a\tb</TH><Td COLSPAN = '2'>c\u00a0 d</Td></TR>" +
      "<tr><td>x < y</td><td>1 <2</td><td>\n  e\n</td></tr></table>";
    expect(parseHtmlTable(html)).toEqual([
      ["a b", "c d", ""],
      ["x < y", "1 <2", "e"],
    ]);
  });

  it("reads cells of rows without <tr>, and returns undefined for no table", () => {
    expect(parseHtmlTable("<table><td>a</td><td>b<br>c</td></table>")).toEqual([["a", "b c"]]);
    expect(parseHtmlTable("no table here")).toBeUndefined();
    expect(parseHtmlTable("<table></table>")).toBeUndefined();
  });
});

describe("rendering", () => {
  const rows = [
    ["Item", "Price | EUR"],
    ["Panel", "120"],
  ];

  it("writes markdown with a header row and escaped pipes, and reads it back", () => {
    const markdown = tableToMarkdown(rows);
    expect(markdown).toBe("| Item | Price \\| EUR |\n| --- | --- |\n| Panel | 120 |");
    expect(parseMarkdownTable(markdown)).toEqual(rows);
  });

  it("writes HTML with header cells and escaped text, and plain text with tabs", () => {
    expect(tableToHtml([["a<b"], ["1"]])).toBe("<table><tr><th>a&lt;b</th></tr><tr><td>1</td></tr></table>");
    expect(tableToText(rows)).toBe("Item\tPrice | EUR\nPanel\t120");
  });

  it("does not take text with pipes but no separator line for a table", () => {
    expect(parseMarkdownTable("| a | b |\n| c | d |")).toBeUndefined();
  });
});

describe("htmlTablesToMarkdown", () => {
  it("replaces each HTML table in a markdown text, wrappers included, and leaves the rest", () => {
    const text =
      "Intro\n<html><body><table><tr><td>x</td></tr></table></body></html>\nMiddle <table><tr><td>y</td><td>z</td></tr></table> end";
    expect(htmlTablesToMarkdown(text)).toBe("Intro\n\n| x |\n| --- |\n\nMiddle\n\n| y | z |\n| --- | --- |\n\nend");
    expect(htmlTablesToMarkdown("plain")).toBe("plain");
  });
});
