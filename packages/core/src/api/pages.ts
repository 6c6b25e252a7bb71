import { InvalidResponseError } from "../errors.js";
import { countPages, includesPage, type PageRange, pageAtIndex } from "../options/page-ranges.js";
import type { ElementCategory } from "../structure/categories.js";
import { elementsFromBlocks, elementsFromMarkdown, type WireBlock } from "../structure/elements.js";
import { htmlTablesToMarkdown } from "../structure/tables.js";
import type { OcrElement, OcrFormat, OcrPage } from "../types.js";
import type { ResultWire } from "./schemas.js";

// Turns any result shape of docs/api-contract.md#the-json-result into pages numbered as in the original document.

type Dict = Record<string, unknown>;

export interface PageMappingContext {
  jobId: string;
  format: OcrFormat;
  /** Normalised ranges the job was limited to, if any. */
  pageRanges?: readonly PageRange[] | undefined;
}

/**
 * The per-page objects of a JSON result (`pages`, `content: [...]` or `content: { pages }`),
 * or undefined when the result has no per-page structure (then split the text result instead).
 */
export function findPageObjects(result: ResultWire): unknown[] | undefined {
  if (Array.isArray(result.pages)) return result.pages;
  const { content } = result;
  if (Array.isArray(content)) return content;
  if (isDict(content) && Array.isArray(content.pages)) return content.pages;
  return undefined;
}

/**
 * The pages a JSON result shows by itself: its page objects, or its string content split on form
 * feeds; undefined when it has neither (then only the text result can tell).
 */
export function pagesInJson(result: ResultWire, context: PageMappingContext): OcrPage[] | undefined {
  const objects = findPageObjects(result);
  if (objects) return pagesFromObjects(objects, context);
  return typeof result.content === "string" ? pagesFromText(result.content, result.page_count ?? undefined, context) : undefined;
}

/** Maps page objects of any supported shape onto `OcrPage`s, numbered as in the original document. */
export function pagesFromObjects(objects: unknown[], context: PageMappingContext): OcrPage[] {
  const pages = objects.map((object, position) => {
    if (!isDict(object)) {
      throw invalid(context, `page ${position + 1} is ${object === null ? "null" : typeof object}, not an object`);
    }
    return pageFromObject(object, position, context.format);
  });
  if (pages.length > 0 && pages.every((page) => page.textSource === "none")) {
    throw invalid(context, "its pages carry no text (no markdown, text, blocks or rec_texts)");
  }
  const numbers = remapPageNumbers(
    pages.map((page) => page.number),
    context.pageRanges,
  );
  // Numbered in place: each page object is made once (a copy per page was garbage on long results).
  return pages
    .map(({ page }, i) => {
      page.pageNumber = numbers[i] as number;
      return page;
    })
    .sort((a, b) => a.pageNumber - b.pageNumber);
}

/**
 * Splits a whole-document text on form feeds into pages. Without form feeds, returns one item that
 * says it covers every page (`pageRange`).
 */
export function pagesFromText(text: string, pageCount: number | undefined, context: PageMappingContext): OcrPage[] {
  const ranges = context.pageRanges;
  if (text.includes("\f")) {
    const parts = text.split("\f");
    if (parts.length > 1 && parts.at(-1)?.trim() === "") parts.pop();
    // Parts past the requested pages are numbered on after the last one, so a check sees them as extra.
    const pastLast = (i: number) => (ranges?.at(-1)?.end ?? 0) + i - countPages(ranges ?? []) + 1;
    return parts.map((part, i) => textPage(ranges ? (pageAtIndex(ranges, i) ?? pastLast(i)) : i + 1, part, context.format));
  }
  const first = ranges?.[0]?.start ?? 1;
  const last = ranges ? (ranges.at(-1)?.end ?? first) : Math.max(pageCount ?? 1, 1);
  const page = textPage(first, text, context.format);
  const covered = ranges ? countPages(ranges) : last - first + 1;
  return [covered > 1 ? { ...page, pageRange: { start: first, end: last } } : page];
}

function textPage(pageNumber: number, text: string, format: OcrFormat): OcrPage {
  const content = format === "markdown" ? htmlTablesToMarkdown(text) : text;
  return { pageNumber, content, [format]: content, elements: elementsFromMarkdown(content) };
}

/**
 * Page numbers as the server gave them, mapped back to the original document when the job was
 * limited to page ranges and the server numbered the returned pages 1..k instead.
 */
export function remapPageNumbers(numbers: number[], ranges: readonly PageRange[] | undefined): number[] {
  if (!ranges) return numbers;
  if (numbers.every((n) => includesPage(ranges, n))) return numbers;
  const requested = countPages(ranges);
  if (numbers.every((n) => n >= 1 && n <= requested)) return numbers.map((n) => pageAtIndex(ranges, n - 1) as number);
  return numbers;
}

type TextSource = "fields" | "blocks" | "rec_texts" | "none";

const PAGE_FURNITURE: ReadonlySet<ElementCategory> = new Set(["header", "footer", "page_number"]);

function pageFromObject(raw: Dict, position: number, format: OcrFormat): { page: OcrPage; number: number; textSource: TextSource } {
  const preprocessor = isDict(raw.doc_preprocessor_res) ? raw.doc_preprocessor_res : {};
  const preview = isDict(raw.page_preview) ? raw.page_preview : isDict(raw.size) ? raw.size : {};
  const blocks = readBlocks(raw);
  const recTexts = isDict(raw.overall_ocr_res) ? stringArray(raw.overall_ocr_res.rec_texts) : undefined;

  // PaddleOCR's markdown embeds tables as HTML: pages show them as markdown tables.
  const markdownField = str(raw.markdown) ?? str(raw.md);
  const markdown = markdownField === undefined ? undefined : htmlTablesToMarkdown(markdownField);
  const text = str(raw.text) ?? (typeof raw.content === "string" ? raw.content : undefined);
  const fromBlocks = blocks?.length ? elementsFromBlocks(blocks) : undefined;
  const textSource: TextSource =
    markdown !== undefined || text !== undefined ? "fields" : blocks?.length ? "blocks" : recTexts ? "rec_texts" : "none";
  const content =
    (format === "markdown" ? (markdown ?? text) : (text ?? markdown)) ??
    (fromBlocks ? textOfElements(fromBlocks, format) : recTexts?.join("\n")) ??
    "";

  // Keys added only when known, in this order (no `delete`: it turns an object into a slow dictionary).
  const page: OcrPage = { pageNumber: 0, content };
  if (markdown !== undefined) page.markdown = markdown;
  if (text !== undefined) page.text = text;
  const angle = num(raw.angle) ?? num(preprocessor.angle);
  if (angle !== undefined) page.angle = angle;
  const width = num(raw.width) ?? num(preview.width);
  if (width !== undefined) page.width = width;
  const height = num(raw.height) ?? num(preview.height);
  if (height !== undefined) page.height = height;
  page.elements = fromBlocks ?? elementsFromMarkdown(markdown ?? content);
  page.raw = raw;
  return { page, number: readPageNumber(raw, position), textSource };
}

/** A page's text built from its elements, leaving out running headers, footers and page numbers, as PaddleOCR's own markdown does. */
function textOfElements(elements: readonly OcrElement[], format: OcrFormat): string {
  return elements
    .filter((element) => !PAGE_FURNITURE.has(element.category))
    .map((element) => (format === "markdown" ? element.markdown : element.text))
    .join("\n\n");
}

/** The number a page object gives itself (1-based), else its position + 1. */
export function readPageNumber(raw: Dict, position: number): number {
  const oneBased = int(raw.page_number) ?? int(raw.page) ?? int(raw.pageNumber);
  if (oneBased !== undefined) return oneBased;
  const zeroBased = int(raw.page_index) ?? int(raw.index);
  return zeroBased !== undefined ? zeroBased + 1 : position + 1;
}

function readBlocks(raw: Dict): WireBlock[] | undefined {
  if (Array.isArray(raw.blocks)) {
    return raw.blocks.filter(isDict).map((block) => ({
      label: str(block.type) ?? str(block.label),
      content: str(block.text) ?? str(block.content) ?? "",
      bbox: bbox(block.bbox),
      score: num(block.score),
    }));
  }
  if (Array.isArray(raw.parsing_res_list)) {
    return raw.parsing_res_list.filter(isDict).map((block) => ({
      label: str(block.block_label),
      content: str(block.block_content) ?? "",
      bbox: bbox(block.block_bbox),
      score: num(block.score),
    }));
  }
  return undefined;
}

function invalid(context: PageMappingContext, problem: string): InvalidResponseError {
  return new InvalidResponseError(
    `The result of job ${context.jobId} does not fit any known result shape: ${problem}. ` +
      `Fetch it raw with getResult("${context.jobId}", { format: "markdown" }) and report the shape to the maintainers.`,
    { status: 200, jobId: context.jobId },
  );
}

const isDict = (value: unknown): value is Dict => typeof value === "object" && value !== null && !Array.isArray(value);
const str = (value: unknown) => (typeof value === "string" ? value : undefined);
const num = (value: unknown) => (typeof value === "number" && Number.isFinite(value) ? value : undefined);
const int = (value: unknown) => (Number.isInteger(value) ? (value as number) : undefined);
const stringArray = (value: unknown) =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : undefined;
const bbox = (value: unknown) =>
  Array.isArray(value) && value.length === 4 && value.every((n) => typeof n === "number")
    ? (value as [number, number, number, number])
    : undefined;
