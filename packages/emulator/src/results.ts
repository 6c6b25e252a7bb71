import type { EngineBlock, EnginePage } from "./engine.js";
import type { Job } from "./jobs.js";
import type { PageNumbering, ResultShape } from "./options.js";
import { expandPageRanges } from "./page-ranges.js";

export type ResultFormat = "json" | "markdown" | "text";

export const RESULT_FORMATS: readonly ResultFormat[] = ["json", "markdown", "text"];

/** A read page with the number the result gives it. */
interface NumberedPage {
  /** 1-based, as the result numbers it (the original number, or 1..k with relative numbering). */
  number: number;
  page: EnginePage;
}

/** The pages of a completed job in order, numbered as `numbering` says. */
function numberedPages(job: Job, numbering: PageNumbering): NumberedPage[] {
  const numbers = job.pageNumbers ?? [];
  const relative = numbering === "relative" && job.pageRanges !== undefined;
  return numbers.map((original, index) => ({ number: relative ? index + 1 : original, page: job.pages.get(original) as EnginePage }));
}

/**
 * The body of `GET /v1/jobs/{id}/result` for a completed job: `{"job_id","format","page_count",…}`
 * with the pages laid out as `shape` says (see docs/api-contract.md#the-json-result).
 */
export function renderResult(job: Job, format: ResultFormat, shape: ResultShape, numbering: PageNumbering): Record<string, unknown> {
  const pages = numberedPages(job, numbering);
  const head = { job_id: job.id, format, page_count: pages.length };
  if (format !== "json") {
    const texts = pages.map(({ page }) => (format === "markdown" ? page.markdown : page.text));
    return { ...head, content: joinPages(texts, shape) };
  }
  switch (shape) {
    case "canonical":
      return { ...head, pages: pages.map(canonicalPage) };
    case "content-array":
      return { ...head, content: pages.map(canonicalPage) };
    case "content-pages":
      return { ...head, content: { pages: pages.map(canonicalPage) } };
    case "paddle":
      return { ...head, content: pages.map(paddlePage) };
    case "text-formfeed":
    case "text-whole":
      return {
        ...head,
        content: joinPages(
          pages.map(({ page }) => page.markdown),
          shape,
        ),
      };
  }
}

/** Pages joined with form feeds, or (text-whole) into one text without them. */
function joinPages(texts: string[], shape: ResultShape): string {
  return shape === "text-whole" ? texts.join("\n\n") : texts.join("\f");
}

function canonicalPage({ number, page }: NumberedPage): Record<string, unknown> {
  return {
    page_number: number,
    markdown: page.markdown,
    text: page.text,
    angle: page.angle,
    width: page.width,
    height: page.height,
    blocks: page.blocks.map((block) => ({ type: block.type, text: block.text, bbox: block.bbox, score: block.score })),
  };
}

/**
 * A PaddleOCR-pipeline page: 0-based `page_index`, no markdown/text fields; blocks in reading order
 * with `block_label`, `block_content` (a table as `<html><body><table>…</table></body></html>`, as
 * PP-StructureV3 writes it), `block_bbox` and a 1-based `block_order`; the recognised lines with
 * their scores (a table's cells one by one).
 */
function paddlePage({ number, page }: NumberedPage): Record<string, unknown> {
  const lines = page.blocks.flatMap((block) => recognisedLines(block).map((text) => ({ text, score: block.score })));
  return {
    page_index: number - 1,
    doc_preprocessor_res: { angle: page.angle },
    page_preview: { width: page.width, height: page.height },
    parsing_res_list: page.blocks.map((block, i) => ({
      block_label: block.type,
      block_content: block.type === "table" && !/^\s*<html/i.test(block.text) ? `<html><body>${block.text}</body></html>` : block.text,
      block_bbox: block.bbox,
      block_order: i + 1,
    })),
    overall_ocr_res: { rec_texts: lines.map((line) => line.text), rec_scores: lines.map((line) => line.score) },
  };
}

/** What OCR would have recognised in a block: its lines, or for a table (HTML) the text of each cell. */
function recognisedLines(block: EngineBlock): string[] {
  if (block.type !== "table") return block.text.split("\n").filter((line) => line.trim() !== "");
  return [...block.text.matchAll(/<t[dh]\b[^>]*>([\s\S]*?)<\/t[dh]>/gi)]
    .map((cell) =>
      decodeHtml((cell[1] as string).replace(/<[^>]*>/g, " "))
        .replace(/\s+/g, " ")
        .trim(),
    )
    .filter((text) => text !== "");
}

const decodeHtml = (text: string) =>
  text
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");

/** The document page number of the page a result calls `number` (preview URLs use the result's numbering). */
export function documentPageNumber(job: Job, number: number, numbering: PageNumbering): number | undefined {
  if (numbering === "relative" && job.pageRanges !== undefined) {
    return (job.pageNumbers ?? expandPageRanges(job.pageRanges))[number - 1];
  }
  return number;
}
