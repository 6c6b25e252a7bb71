import { describe, expect, it } from "vitest";
import type { PageNumbering, ResultShape } from "../src/index.js";
import { clientFor, makePdf, raw, startSynthetic } from "./helpers.js";

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
              parsing_res_list: [
                { block_label: "doc_title", block_content: "Page 2", block_bbox: [144, 144, 720, 200] },
                expect.any(Object),
              ],
              overall_ocr_res: { rec_texts: ["Page 2", expect.any(String)], rec_scores: [1, expect.any(Number)] },
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
            const heading = shape === "paddle" ? "" : "# ";
            expect(result.pages.map((page) => page.content.split("\n")[0])).toEqual([`${heading}Page 2`, `${heading}Page 3`]);
            // Same text as the same pages of the whole document.
            expect(result.pages.map((page) => page.content)).toEqual(full.pages.slice(1, 3).map((page) => page.content));
            expect(result.pageSource).toBe(shape === "text-formfeed" ? "form_feeds" : "pages");
          }
          if (!shape.startsWith("text-")) {
            // Paddle's parsing_res_list carries no score.
            const score = shape === "paddle" ? undefined : 1;
            expect(result.pages[0]?.blocks?.[0]).toEqual({ type: "doc_title", text: "Page 2", bbox: [144, 144, 720, 200], score });
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
