import { describe, expect, it } from "vitest";
import { decodeEntities, hocrToBlocks, parseHocr, readHocr, turnBox } from "./hocr.js";

// Shaped like tesseract 5's hOCR output (as tesseract.js returns it).
const HOCR = `<div class='ocr_page' id='page_1' title='image "unknown"; bbox 0 0 2550 3301; ppageno 0; scan_res 300 300'>
 <div class='ocr_carea' id='block_1_1' title="bbox 299 359 2222 1358">
  <p class='ocr_par' id='par_1_1' lang='eng' title="bbox 305 359 1529 440">
   <span class='ocr_line' id='line_1_1' title="bbox 305 359 1529 440; baseline -0.001 -17; x_size 78; x_descenders 18; x_ascenders 15">
    <span class='ocrx_word' id='word_1_1' title='bbox 305 359 746 440; x_wconf 94'>Quarterly</span>
    <span class='ocrx_word' id='word_1_2' title='bbox 785 362 1179 423; x_wconf 96'>R&amp;D</span>
   </span>
  </p>
  <p class='ocr_par' id='par_1_2' lang='eng' title="bbox 299 509 2202 752">
   <span class='ocr_line' id='line_1_2' title="bbox 305 509 2075 552; baseline 0 -9; x_size 43; x_descenders 9; x_ascenders 9">
    <span class='ocrx_word' id='word_1_4' title='bbox 305 509 533 543; x_wconf 90'>Northwind</span>
    <span class='ocrx_word' id='word_1_5' title='bbox 554 509 743 552; x_wconf 80'><strong>&lt;closed&gt;</strong></span>
   </span>
   <span class='ocr_line' id='line_1_3' title="bbox 305 560 900 600; baseline 0 -9; x_size 44; x_descenders 9; x_ascenders 9">
    <span class='ocrx_word' id='word_1_6' title='bbox 305 560 900 600; x_wconf 70'>quarter.</span>
   </span>
  </p>
  <p class='ocr_par' id='par_1_3' lang='eng' title="bbox 10 10 20 900">
   <span class='ocr_line' id='line_1_4' title="bbox 10 10 20 900; baseline 0 0; x_size 30">
    <span class='ocrx_word' id='word_1_7' title='bbox 10 10 20 900; x_wconf 20'>|</span>
   </span>
  </p>
 </div>
</div>`;

describe("hOCR", () => {
  it("decodes entities", () => {
    expect(decodeEntities("a &amp; b &lt;c&gt; &quot;d&quot; &#39;e&#x27; &unknown;")).toBe("a & b <c> \"d\" 'e' &unknown;");
  });

  it("reads paragraphs, lines with their text size, and words with confidences", () => {
    const paragraphs = parseHocr(HOCR);
    expect(paragraphs).toHaveLength(3);
    expect(paragraphs[0]!.bbox).toEqual([305, 359, 1529, 440]);
    expect(paragraphs[0]!.lines[0]!.size).toBe(78);
    expect(paragraphs[0]!.lines[0]!.words).toEqual([
      { text: "Quarterly", confidence: 94, bbox: [305, 359, 746, 440] },
      { text: "R&D", confidence: 96, bbox: [785, 362, 1179, 423] },
    ]);
    expect(paragraphs[1]!.lines.map((l) => l.words.map((w) => w.text).join(" "))).toEqual(["Northwind <closed>", "quarter."]);
  });

  it("turns paragraphs into blocks in preview pixels, dropping ones without letters or digits", () => {
    const blocks = hocrToBlocks(HOCR, 0.5);
    expect(blocks).toHaveLength(2);
    expect(blocks[0]).toMatchObject({ lines: ["Quarterly R&D"], bbox: [152.5, 179.5, 764.5, 220], size: 39 });
    expect(blocks[0]!.score).toBeCloseTo((94 * 9 + 96 * 3) / 12 / 100);
    expect(blocks[1]!.lines).toEqual(["Northwind <closed>", "quarter."]);
    expect(blocks[1]!.size).toBe(22);
  });

  it("reads lines whose words leave gutters on every row as a table, across paragraphs, without rule marks", () => {
    // Rows 50 px apart, text size 40; cells at x = 100, 400, 700 (a "|" read from a rule at 350).
    // Scans need three columns (two are mostly aligned code).
    const row = (y: number, cells: [number, string][]) =>
      `<span class='ocr_line' title="bbox 100 ${y} 900 ${y + 40}; baseline 0 -8; x_size 40">${cells
        .map(([x, text]) => `<span class='ocrx_word' title='bbox ${x} ${y} ${x + 20 * text.length} ${y + 40}; x_wconf 90'>${text}</span>`)
        .join("")}</span>`;
    const hocr = `<div class='ocr_page' title='bbox 0 0 1000 1000'>
      <p class='ocr_par' title="bbox 100 0 900 40">${row(0, [[100, "Caption"]])}</p>
      <p class='ocr_par' title="bbox 100 100 900 190">${row(100, [
        [100, "name"],
        [400, "size"],
        [700, "unit"],
      ])}${row(150, [
        [100, "width"],
        [350, "|"],
        [400, "612"],
        [700, "pt"],
      ])}</p>
      <p class='ocr_par' title="bbox 100 200 900 290">${row(200, [
        [100, "dpi"],
        [400, "300"],
        [700, "px"],
      ])}${row(300, [
        [100, "Text"],
        [190, "after."],
      ])}</p>
    </div>`;
    const blocks = hocrToBlocks(hocr, 1);
    expect(blocks.map((b) => b.table ?? b.lines)).toEqual([
      ["Caption"],
      [
        ["name", "size", "unit"],
        ["width", "612", "pt"],
        ["dpi", "300", "px"],
      ],
      ["Text after."],
    ]);
    expect(blocks[1]!.bbox).toEqual([100, 100, 900, 240]);
  });

  it("returns nothing for an empty page", () => {
    expect(hocrToBlocks("<div class='ocr_page' id='page_1' title='bbox 0 0 10 10'></div>", 1)).toEqual([]);
  });
});

describe("orientation from hOCR", () => {
  const turned = (angle: number) =>
    `<div class='ocr_page' title='bbox 0 0 300 100'><div class='ocr_carea' title="bbox 10 20 60 90"><p class='ocr_par' title="bbox 10 20 60 90">` +
    `<span class='ocr_line' title="bbox 10 20 60 90; textangle ${angle}; x_size 20"><span class='ocrx_word' title='bbox 10 20 60 90; x_wconf 95'>Hello</span></span></p></div></div>`;

  it("takes the lines' textangle as the clockwise turn and maps boxes into the upright page", () => {
    expect(readHocr(turned(270), 1, { width: 300, height: 100 })).toMatchObject({ angle: 270, blocks: [{ bbox: [20, 240, 90, 290] }] });
    expect(readHocr(turned(180), 1, { width: 300, height: 100 })).toMatchObject({ angle: 180, blocks: [{ bbox: [240, 10, 290, 80] }] });
    expect(readHocr(turned(90), 1, { width: 300, height: 100 })).toMatchObject({ angle: 90, blocks: [{ bbox: [10, 10, 80, 60] }] });
  });

  it("turns a box clockwise like rotateCanvas", () => {
    expect(turnBox([0, 0, 1, 1], 90, 4, 2)).toEqual([1, 0, 2, 1]);
    expect(turnBox([0, 0, 1, 1], 180, 4, 2)).toEqual([3, 1, 4, 2]);
    expect(turnBox([0, 0, 1, 1], 270, 4, 2)).toEqual([0, 3, 1, 4]);
  });
});
