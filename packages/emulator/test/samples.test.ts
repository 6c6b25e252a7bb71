import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { EXAMPLES_DATA, makeTableSample, TABLE_SAMPLE_NAME, tableSampleText } from "../scripts/make-table-sample.js";

describe("the two-column sample with a table (examples/data/two-columns-table.pdf)", () => {
  const committed = readFileSync(`${EXAMPLES_DATA}${TABLE_SAMPLE_NAME}`);
  const truth = JSON.parse(readFileSync(`${EXAMPLES_DATA}ground-truth.json`, "utf8")) as Record<string, string[]>;

  it("is what its generator writes, and its ground truth is the page in reading order: heading, left column, right column, table", async () => {
    expect(Buffer.from(await makeTableSample()).equals(committed)).toBe(true);
    const [page, ...more] = truth[TABLE_SAMPLE_NAME] ?? [];
    expect(more).toEqual([]);
    expect(page).toBe(tableSampleText());
    const blocks = (page ?? "").split("\n\n");
    expect(blocks.slice(0, 2)).toEqual(["Harbor Logistics: Annual Summary", "Operations"]);
    expect(blocks[4]).toBe("Outlook");
    expect(
      blocks
        .at(-1)
        ?.split("\n")
        .map((row) => row.split("\t").length),
    ).toEqual([4, 4, 4, 4, 4]);
  });

  it("has a real text layer holding the ground truth's words in that order", async () => {
    const pdfjs = await import("pdfjs-dist/legacy/build/pdf.mjs");
    const document = await pdfjs.getDocument({ data: new Uint8Array(committed), isEvalSupported: false, verbosity: 0 }).promise;
    try {
      expect(document.numPages).toBe(1);
      const content = await (await document.getPage(1)).getTextContent();
      const text = content.items.map((item) => ("str" in item ? item.str : "")).join(" ");
      const words = (value: string) => value.split(/\s+/).filter(Boolean);
      expect(words(text)).toEqual(words(truth[TABLE_SAMPLE_NAME]?.[0] ?? "x"));
    } finally {
      await document.destroy();
    }
  });
});
