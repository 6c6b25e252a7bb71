import type { OcrElement } from "@sotaocr/core";
import { describe, expect, it } from "vitest";
import { syntheticPage } from "../src/engines/synthetic-page.js";
import type { PageNumbering, ResultShape } from "../src/index.js";
import { clientFor, makePdf, raw, sha256, startSynthetic } from "./helpers.js";

const SHAPES: ResultShape[] = ["canonical", "content-array", "content-pages", "paddle", "text-formfeed", "text-whole"];
const NUMBERINGS: PageNumbering[] = ["original", "relative"];

/** What the JSON result of a page-range job (pages 2-3 of 4) looks like in each shape. */
function pagesOf(shape: ResultShape, body: Record<string, unknown>): unknown {
  const content = body.content as Record<string, unknown>[] | { pages: Record<string, unknown>[] } | string;
  switch (shape) {
    case "canonical":
      return (body.pages as Record<string, unknown>[]).map((page) => page.page_number);
    case "content-array":
      return (content as Record<string, unknown>[]).map((page) => page.page_number);
    case "content-pages":
      return (content as { pages: Record<string, unknown>[] }).pages.map((page) => page.page_number);
    case "paddle":
      return (content as Record<string, unknown>[]).map((page) => page.page_index);
    case "text-formfeed":
    case "text-whole":
      return (content as string).split("\f").length;
  }
}

describe.concurrent("result shapes and page numbering", () => {
  for (const shape of SHAPES) {
    for (const pageNumbering of NUMBERINGS) {
      it(`${shape}, ${pageNumbering} numbering: the client gets pages 2 and 3 of a 4-page PDF for "2-3"`, async () => {
        const emulator = await startSynthetic({ resultShape: shape, pageNumbering });
        try {
          const client = clientFor(emulator);
          const [result, full] = await Promise.all([client.ocr(makePdf(4), { pageRanges: "2-3" }), client.ocr(makePdf(4))]);

          // The wire form is the variant asked for.
          const json = await raw(emulator, `/v1/jobs/${result.jobId}/result`);
          expect(json.json).toMatchObject({ job_id: result.jobId, format: "json", page_count: 2 });
          const relative = pageNumbering === "relative";
          const expected: Record<ResultShape, unknown> = {
            canonical: relative ? [1, 2] : [2, 3],
            "content-array": relative ? [1, 2] : [2, 3],
            "content-pages": relative ? [1, 2] : [2, 3],
            paddle: relative ? [0, 1] : [1, 2],
            "text-formfeed": 2,
            "text-whole": 1,
          };
          expect(pagesOf(shape, json.json as Record<string, unknown>)).toEqual(expected[shape]);
          if (shape === "paddle") {
            const page = (json.json as { content: Record<string, unknown>[] }).content[0];
            expect(page).not.toHaveProperty("markdown");
            expect(page).toMatchObject({
              doc_preprocessor_res: { angle: 0 },
              page_preview: { width: 1224, height: 1584 },
              parsing_res_list: expect.arrayContaining([
                { block_label: "doc_title", block_content: "Page 2", block_bbox: [144, 144, 720, 200], block_order: 2 },
                {
                  block_label: "table",
                  block_content: expect.stringMatching(/^<html><body><table><tr><td>Item<\/td>.*<\/table><\/body><\/html>$/),
                  block_bbox: expect.any(Array),
                  block_order: expect.any(Number),
                },
              ]),
              overall_ocr_res: { rec_texts: expect.arrayContaining(["Page 2", "Item", "Revenue & costs"]), rec_scores: expect.any(Array) },
            });
          }
          const markdown = await raw(emulator, `/v1/jobs/${result.jobId}/result?format=markdown`);
          expect(((markdown.json as { content: string }).content.match(/\f/g) ?? []).length).toBe(shape === "text-whole" ? 0 : 1);

          // Whatever the shape, the client numbers pages as in the original document.
          if (shape === "text-whole") {
            expect(result.pages).toHaveLength(1);
            expect(result.pages[0]).toMatchObject({ pageNumber: 2, pageRange: { start: 2, end: 3 } });
            expect(result.pages[0]?.content).toMatch(/^# Page 2\n\n.+\n\n# Page 3\n\n/s);
            expect(result.pageSource).toBe("whole_document");
          } else {
            expect(result.pages.map((page) => page.pageNumber)).toEqual([2, 3]);
            // Paddle pages carry no markdown: the client renders their blocks (not the running header), the doc_title as a title.
            const firstLines = result.pages.map((page) => page.content.split("\n\n")[0]);
            expect(firstLines).toEqual(["# Page 2", "# Page 3"]);
            // Same text as the same pages of the whole document.
            expect(result.pages.map((page) => page.content)).toEqual(full.pages.slice(1, 3).map((page) => page.content));
            expect(result.pageSource).toBe(shape === "text-formfeed" ? "form_feeds" : "pages");
          }
          if (!shape.startsWith("text-")) {
            // Paddle's parsing_res_list carries no score.
            const score = shape === "paddle" ? {} : { score: 1 };
            expect(result.pages[0]?.elements?.[1]).toEqual({
              order: 2,
              category: "title",
              label: "doc_title",
              text: "Page 2",
              markdown: "# Page 2",
              bbox: [144, 144, 720, 200],
              ...score,
            });
          }
          expect(full.pages.map((page) => page.pageNumber)).toEqual(shape === "text-whole" ? [1] : [1, 2, 3, 4]);
        } finally {
          await emulator.close();
        }
      });
    }
  }

  it("numbers previews like the result: relative numbering previews page k of the job", async () => {
    const emulator = await startSynthetic({ pageNumbering: "relative" });
    try {
      const client = clientFor(emulator);
      const { jobId } = await client.ocr(makePdf(6), { pageRanges: "4-5" });
      expect((await client.getPagePreview(jobId, 1)).contentType).toBe("image/png");
      expect((await client.getPagePreview(jobId, 2)).contentType).toBe("image/png");
      await expect(client.getPagePreview(jobId, 3)).rejects.toMatchObject({ status: 404, code: "page_not_found" });
    } finally {
      await emulator.close();
    }
  });
});

describe.concurrent("structure in every result shape", () => {
  /** What an element says about the page, without the score (paddle's parsing_res_list has none). */
  const structure = ({ score: _, ...element }: OcrElement) => element;

  it("canonical, content-array, content-pages and paddle give the client the same elements: categories, boxes, table HTML", async () => {
    const pdf = makePdf(2, { label: "structure" });
    const elementsBy = new Map<ResultShape, OcrElement[]>();
    for (const shape of ["canonical", "content-array", "content-pages", "paddle"] as const) {
      const emulator = await startSynthetic({ resultShape: shape });
      try {
        const result = await clientFor(emulator).ocr(pdf);
        elementsBy.set(shape, result.pages[1]?.elements ?? []);
      } finally {
        await emulator.close();
      }
    }
    const canonical = elementsBy.get("canonical") ?? [];
    const page = syntheticPage(sha256(pdf), 2);
    // One element per block, in the engine's reading order, each with the block's box.
    expect(canonical.map((element) => [element.label, element.bbox])).toEqual(page.blocks.map((block) => [block.type, block.bbox]));
    expect(canonical.map((element) => element.category)).toEqual(
      expect.arrayContaining(["header", "title", "text", "heading", "table_caption", "table", "footer", "page_number"]),
    );
    const table = canonical.find((element) => element.category === "table");
    expect(table?.html).toBe(page.blocks.find((block) => block.type === "table")?.text);
    expect(table?.markdown).toMatch(/^\| Item \| Period \| Revenue & costs \|\n\| --- \| --- \| --- \|\n(\| [^\n]+ \|\n?){2,3}$/);
    expect(table?.text).toMatch(/^Item\tPeriod\tRevenue & costs\n/);
    for (const shape of ["content-array", "content-pages", "paddle"] as const) {
      expect([shape, elementsBy.get(shape)?.map(structure)]).toEqual([shape, canonical.map(structure)]);
    }
  });

  it("the markdown result holds markdown tables, the text result tab-separated rows; odd pages have no table", async () => {
    const emulator = await startSynthetic();
    try {
      const client = clientFor(emulator);
      const [markdown, text] = await Promise.all([
        client.ocr(makePdf(3, { label: "tables" }), { format: "markdown" }),
        client.ocr(makePdf(3, { label: "tables" }), { format: "text" }),
      ]);
      const tableIn = (content: string | undefined) =>
        /\| Item \| Period \| Revenue & costs \|\n\| --- \| --- \| --- \|/.test(content ?? "");
      expect(markdown.pages.map((page) => tableIn(page.content))).toEqual([false, true, false]);
      expect(markdown.pages.map((page) => page.content.includes("<table"))).toEqual([false, false, false]);
      expect(text.pages.map((page) => page.content.includes("\nItem\tPeriod\tRevenue & costs\n"))).toEqual([false, true, false]);
    } finally {
      await emulator.close();
    }
  });
});
