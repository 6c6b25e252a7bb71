import type { OcrElement, OcrPage, OcrResult } from "../index.js";
import { type ElementSpan, elementSpans } from "./element-spans.js";
import { pageId, wholeResultId } from "./page-id.js";

/** What one framework Document stands for: a page (the default), one element of a page, or a whole file. */
export type DocumentSplit = "page" | "element" | "file";

export const DOCUMENT_SPLITS: readonly DocumentSplit[] = ["page", "element", "file"];

/**
 * Text put before each page of a whole-file Document: `{pageNumber}` is replaced by the page's
 * number; a function gets the page; `false` joins pages with a blank line only.
 */
export type PageMarker = string | ((page: OcrPage) => string) | false;

export const DEFAULT_PAGE_MARKER = "<!-- page {pageNumber} -->";

/**
 * What one framework Document is made of, before any framework is involved: the LangChain loader
 * and the LlamaIndex reader turn each part into their own Document and add their own metadata.
 */
export type DocumentPart = PagePart | ElementPart | FilePart;

export interface PagePart {
  kind: "page";
  /** Stable across runs: from the file's hash and the page number. */
  id: string;
  /** The page's content (tables as markdown tables in markdown). */
  text: string;
  page: OcrPage;
  /** Where each element with text sits in `text`. */
  spans: ElementSpan[];
}

export interface ElementPart {
  kind: "element";
  /** Stable across runs: from the file's hash, the page number and the element's order. */
  id: string;
  /** The element's markdown (or plain text with `format: "text"`); a table is always a markdown table. */
  text: string;
  page: OcrPage;
  element: OcrElement;
  /** The id of the page part this element belongs to. */
  pageId: string;
}

export interface FilePart {
  kind: "file";
  /** Stable across runs: from the file's hash and the page ranges processed. */
  id: string;
  /** Every page's content in order, each after its page marker. */
  text: string;
  /** Where each page sits in `text`. */
  pages: { pageNumber: number; start: number; end: number }[];
}

/** Cuts a result into the parts of one split. Elements without text give no part. */
export function documentParts(result: OcrResult, split: DocumentSplit, pageMarker: PageMarker = DEFAULT_PAGE_MARKER): DocumentPart[] {
  const parts: DocumentPart[] = [];
  forEachDocumentPart(result, split, pageMarker, (part) => parts.push(part));
  return parts;
}

/**
 * `documentParts` one part at a time: an integration that turns each into its Document at once
 * lets the part die young instead of keeping tens of thousands alive until the last is made
 * (the garbage collector's copying of survivors is most of the cost of mapping big results).
 */
export function forEachDocumentPart(
  result: OcrResult,
  split: DocumentSplit,
  pageMarker: PageMarker,
  visit: (part: DocumentPart) => void,
): void {
  const sha256 = result.file.sha256;
  if (split === "file") {
    visit(filePart(result, pageMarker));
    return;
  }
  for (const page of result.pages) {
    if (split === "page") {
      const spans = elementSpans(page.content, page.elements ?? []);
      visit({ kind: "page", id: pageId(sha256, page.pageNumber), text: page.content, page, spans });
      continue;
    }
    const parentId = pageId(sha256, page.pageNumber);
    for (const element of page.elements ?? []) {
      if (!hasText(element.text)) continue;
      visit({
        kind: "element",
        id: elementId(sha256, page.pageNumber, element.order),
        text: element.html !== undefined || result.format === "markdown" ? element.markdown : element.text,
        page,
        element,
        pageId: parentId,
      });
    }
  }
}

/** Whether `text` has anything but whitespace (what `text.trim() !== ""` says, without a new string). */
function hasText(text: string): boolean {
  return NOT_WHITESPACE.test(text);
}
const NOT_WHITESPACE = /\S/;

/** A stable id for element `order` of a page of a file. */
export function elementId(fileSha256: string, pageNumber: number, order: number): string {
  return pageId(fileSha256, `${pageNumber}:${order}`);
}

function filePart(result: OcrResult, pageMarker: PageMarker): FilePart {
  let text = "";
  const pages: FilePart["pages"] = [];
  for (const page of result.pages) {
    if (text) text += "\n\n";
    const marker = markerOf(page, pageMarker);
    if (marker) text += `${marker}\n\n`;
    pages.push({ pageNumber: page.pageNumber, start: text.length, end: text.length + page.content.length });
    text += page.content;
  }
  return { kind: "file", id: wholeResultId(result.file.sha256, result.pageRanges), text, pages };
}

function markerOf(page: OcrPage, pageMarker: PageMarker): string {
  if (pageMarker === false) return "";
  if (typeof pageMarker === "function") return pageMarker(page);
  return pageMarker.replaceAll("{pageNumber}", String(page.pageNumber));
}
