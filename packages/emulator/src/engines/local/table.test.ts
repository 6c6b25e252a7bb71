import { describe, expect, it } from "vitest";
import { findTables, type SegmentedLine, segmentWords, tableToHtml, tableToMarkdown } from "./table.js";

/** A line at `baseline` whose cells start at the given x positions (10 units per character). */
function line(baseline: number, cells: [number, string][], size = 10): SegmentedLine {
  return { baseline, size, segments: cells.map(([start, text]) => ({ text, start, end: start + 5 * text.length })) };
}

describe("findTables", () => {
  const prose = (baseline: number) => line(baseline, [[0, "An ordinary line of prose that runs across the column."]]);

  it("finds rows and columns aligned across three or more lines, leaving prose alone", () => {
    const lines = [
      prose(0),
      line(14, [
        [0, "name"],
        [100, "size"],
        [200, "unit"],
      ]),
      line(26, [
        [0, "width"],
        [100, "612"],
        [200, "pt"],
      ]),
      line(38, [
        [0, "height"],
        [100, "792"],
      ]),
      line(50, [
        [0, "dpi"],
        [100, "300"],
        [200, "px/in"],
      ]),
      prose(64),
    ];
    expect(findTables(lines)).toEqual([
      {
        from: 1,
        to: 4,
        rows: [
          ["name", "size", "unit"],
          ["width", "612", "pt"],
          ["height", "792", ""],
          ["dpi", "300", "px/in"],
        ],
      },
    ]);
  });

  it("joins a cell wrapped onto a second line, and a row painted in two passes", () => {
    const lines = [
      line(0, [
        [0, "a"],
        [100, "one"],
      ]),
      line(12, [
        [0, "b"],
        [100, "New Century"],
      ]),
      line(24, [[100, "Schoolbook"]]),
      line(12, [
        [200, "Avant Garde"],
        [300, "Courier"],
      ]),
      line(36, [
        [0, "c"],
        [100, "three"],
        [200, "Times"],
      ]),
    ];
    expect(findTables(lines)[0]?.rows).toEqual([
      ["a", "one", "", ""],
      ["b", "New Century Schoolbook", "Avant Garde", "Courier"],
      ["c", "three", "Times", ""],
    ]);
  });

  it("takes no table with fewer columns than minColumns", () => {
    const rows = [0, 12, 24].map((y) =>
      line(y, [
        [0, "key ="],
        [100, "value"],
      ]),
    );
    expect(findTables(rows)).toHaveLength(1);
    expect(findTables(rows, { minColumns: 3 })).toEqual([]);
  });

  it("needs three rows of two or more cells", () => {
    expect(
      findTables([
        line(0, [
          [0, "a"],
          [100, "b"],
        ]),
        line(12, [
          [0, "c"],
          [100, "d"],
        ]),
        prose(24),
      ]),
    ).toEqual([]);
  });

  it("does not take two columns of prose for a table", () => {
    const text = "a line of running text in the left column";
    const rows = [0, 12, 24, 36].map((y) =>
      line(y, [
        [0, text],
        [300, text],
      ]),
    );
    expect(findTables(rows)).toEqual([]);
  });

  it("does not take lines whose gaps do not line up for a table", () => {
    const lines = [
      line(0, [
        [0, "x = 1"],
        [60, "y"],
      ]),
      line(12, [
        [0, "long"],
        [40, "z"],
        [120, "w"],
      ]),
      line(24, [
        [0, "q"],
        [30, "r"],
      ]),
    ];
    expect(findTables(lines)).toEqual([]);
  });
});

describe("segmentWords", () => {
  it("splits words at gaps wider than 0.8 text sizes", () => {
    const words = [
      { text: "CM", start: 0, end: 20 },
      { text: "Roman", start: 25, end: 70 },
      { text: "Palatino", start: 100, end: 160 },
    ];
    expect(segmentWords(words, 10)).toEqual([
      { text: "CM Roman", start: 0, end: 70 },
      { text: "Palatino", start: 100, end: 160 },
    ]);
  });
});

describe("table rendering", () => {
  const rows = [
    ["a|b", "<c>"],
    ["1", ""],
  ];
  it("renders HTML with escaped text", () => {
    expect(tableToHtml(rows)).toBe("<table><tr><td>a|b</td><td>&lt;c&gt;</td></tr><tr><td>1</td><td></td></tr></table>");
  });
  it("renders a GitHub markdown table, the first row as header", () => {
    expect(tableToMarkdown(rows)).toBe("| a\\|b | <c> |\n| --- | --- |\n| 1 |  |");
  });
});
