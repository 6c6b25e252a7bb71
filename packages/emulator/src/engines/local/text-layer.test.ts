import { describe, expect, it } from "vitest";
import { classifyHeadings, toEngineBlocks, toMarkdown, toPlainText } from "./markdown.js";
import { type TextItemLike, textLayerBlocks, textLayerCharCount } from "./text-layer.js";

/** A text item at (x, y) in PDF user space (y up), `size` points, `width` points wide. */
function item(
  str: string,
  x: number,
  y: number,
  size: number,
  options: { width?: number; eol?: boolean; font?: string } = {},
): TextItemLike {
  return {
    str,
    transform: [size, 0, 0, size, x, y],
    width: options.width ?? str.length * size * 0.5,
    fontName: options.font ?? "f1",
    hasEOL: options.eol ?? false,
  };
}

/** pdf.js's viewport matrix for a 612×792 page at `scale`, unrotated: flips y. */
const viewport = (scale: number) => [scale, 0, 0, -scale, 0, 792 * scale];

function read(items: TextItemLike[], scale = 2, transform = viewport(scale), width = 612 * scale, height = 792 * scale) {
  return textLayerBlocks({
    items,
    styles: { f1: { ascent: 0.9, descent: -0.2 }, bold: { ascent: 0.9, descent: -0.2 } },
    viewportTransform: transform,
    scale,
    width,
    height,
  });
}

describe("textLayerBlocks", () => {
  const page = [
    item("Annual Report", 72, 700, 20, { eol: true }),
    item("First paragraph line one", 72, 660, 11, { eol: true }),
    item("and line two.", 72, 645, 11, { eol: true }),
    item("Second paragraph starts", 72, 615, 11),
    item("here", 210, 615, 11, { width: 22, eol: true }),
    item("and ends.", 72, 600, 11),
  ];

  it("groups items into lines and paragraphs by position", () => {
    const blocks = read(page);
    expect(blocks.map((b) => b.lines)).toEqual([
      ["Annual Report"],
      ["First paragraph line one", "and line two."],
      ["Second paragraph starts here", "and ends."],
    ]);
    expect(blocks[0]!.size).toBe(40);
    expect(blocks[1]!.size).toBe(22);
    expect(blocks.every((b) => b.score === 1)).toBe(true);
  });

  it("marks the larger text as a heading", () => {
    const blocks = classifyHeadings(read(page));
    expect(toMarkdown(blocks)).toBe(
      "# Annual Report\n\nFirst paragraph line one\nand line two.\n\nSecond paragraph starts here\nand ends.",
    );
    expect(toPlainText(blocks)).toContain("Annual Report\n\nFirst paragraph");
  });

  it("places boxes in preview pixels (y down), from the font's ascent and descent", () => {
    const [heading] = read(page);
    // Baseline y=700 → 2×(792−700)=184 px; ascent 0.9×20 pt = 36 px above, descent 0.2×20 pt = 8 px below.
    expect(heading!.bbox[0]).toBeCloseTo(144);
    expect(heading!.bbox[1]).toBeCloseTo(148);
    expect(heading!.bbox[2]).toBeCloseTo(144 + 13 * 10 * 2);
    expect(heading!.bbox[3]).toBeCloseTo(192);
  });

  it("joins items of one line with a space only where there is a gap", () => {
    const blocks = read([item("Hel", 72, 700, 10, { width: 15 }), item("lo", 87, 700, 10, { width: 10 }), item("world", 100, 700, 10)]);
    expect(blocks[0]!.lines).toEqual(["Hello world"]);
  });

  it("starts a paragraph when the text moves up (a second column)", () => {
    const blocks = read([
      item("Left column line one", 72, 700, 10, { eol: true }),
      item("left column line two", 72, 688, 10, { eol: true }),
      item("Right column line one", 320, 700, 10, { eol: true }),
      item("right column line two", 320, 688, 10),
    ]);
    expect(blocks.map((b) => b.lines.length)).toEqual([2, 2]);
  });

  it("reads sideways text in its own direction", () => {
    // Text running down the page (turned 90° clockwise on screen): x' = −y, y' = x in device space.
    const down = (str: string, lineX: number, y: number): TextItemLike => ({
      str,
      transform: [0, -10, 10, 0, lineX, y],
      width: str.length * 5,
      fontName: "f1",
      hasEOL: true,
    });
    const blocks = read([down("First sideways line", 500, 700), down("second sideways line", 488, 700)], 1, viewport(1), 612, 792);
    expect(blocks).toHaveLength(1);
    expect(blocks[0]!.lines).toEqual(["First sideways line", "second sideways line"]);
  });

  it("keeps boxes inside the page", () => {
    const blocks = read([item("Text running off the right edge of the page", 500, 5, 12)]);
    const [x0, y0, x1, y1] = blocks[0]!.bbox;
    expect(x0).toBeGreaterThanOrEqual(0);
    expect(y0).toBeGreaterThanOrEqual(0);
    expect(x1).toBeLessThanOrEqual(1224);
    expect(y1).toBeLessThanOrEqual(1584);
  });

  it("counts non-whitespace characters", () => {
    expect(textLayerCharCount([{ str: " a b " }, { str: "" }, { str: "cd\n" }])).toBe(4);
  });
});

describe("textLayerBlocks tables", () => {
  const cells = (y: number, row: string[]) =>
    row.map((text, i) => item(text, 72 + 90 * i, y, 10, { width: text.length * 5, eol: i === row.length - 1 }));
  const page = [
    item("Table 1: Packages", 72, 700, 10, { eol: true }),
    ...cells(686, ["package", "roman", "sans serif"]),
    ...cells(674, ["(none)", "CM Roman", "CM Sans"]),
    ...cells(662, ["mathpazo", "Palatino"]),
    ...cells(650, ["helvet", "", "Helvetica"]).filter((i) => i.str !== ""),
    item("Running text follows the table and is a paragraph of its own.", 72, 630, 10, { eol: true }),
  ];

  it("takes aligned lines in a monospaced font for code, not a table", () => {
    const code = page.map((i) => ({ ...i, fontName: "tt" }));
    const blocks = textLayerBlocks({
      items: code,
      styles: { tt: { ascent: 0.9, descent: -0.2, fontFamily: "monospace" } },
      viewportTransform: viewport(2),
      scale: 2,
      width: 1224,
      height: 1584,
    });
    expect(blocks.some((b) => b.table)).toBe(false);
  });

  it("emits a table block with its rows, a markdown table, and leaves the other text as it was", () => {
    const blocks = classifyHeadings(read(page));
    expect(blocks.map((b) => b.table ?? b.lines)).toEqual([
      ["Table 1: Packages"],
      [
        ["package", "roman", "sans serif"],
        ["(none)", "CM Roman", "CM Sans"],
        ["mathpazo", "Palatino", ""],
        ["helvet", "", "Helvetica"],
      ],
      ["Running text follows the table and is a paragraph of its own."],
    ]);
    const table = blocks[1]!;
    // The table's box: from the first row's top to the last row's bottom, in preview pixels (scale 2).
    expect(table.bbox[0]).toBeCloseTo(144, 0);
    expect(table.bbox[1]).toBeCloseTo((792 - 686 - 9) * 2, 0);
    expect(table.bbox[3]).toBeCloseTo((792 - 650 + 2) * 2, 0);
    expect(toMarkdown(blocks)).toBe(
      [
        "Table 1: Packages",
        "| package | roman | sans serif |\n| --- | --- | --- |\n| (none) | CM Roman | CM Sans |\n| mathpazo | Palatino |  |\n| helvet |  | Helvetica |",
        "Running text follows the table and is a paragraph of its own.",
      ].join("\n\n"),
    );
    expect(toPlainText(blocks)).toContain("(none)\tCM Roman\tCM Sans");
    expect(toEngineBlocks(blocks)[1]).toMatchObject({
      type: "table",
      text: expect.stringMatching(
        /^<table><tr><td>package<\/td><td>roman<\/td>.*<td>helvet<\/td><td><\/td><td>Helvetica<\/td><\/tr><\/table>$/,
      ),
    });
  });
});

describe("textLayerBlocks fonts", () => {
  it("makes a short line in another font above a paragraph a block of its own, and records the block's font", () => {
    const blocks = read([
      item("2.3 Using the package", 72, 700, 10, { font: "bold", eol: true }),
      item("The package is loaded with usepackage and reads its options from", 72, 688, 10, { eol: true }),
      item("the document class; it needs nothing else.", 72, 676, 10, { eol: true }),
    ]);
    expect(blocks.map((b) => [b.lines.length, b.font])).toEqual([
      [1, "bold"],
      [2, "f1"],
    ]);
  });
});
