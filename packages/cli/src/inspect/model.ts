import type { OcrElement, OcrPage } from "@sotaocr/core";
import { parseHtmlTable, previewPageNumber } from "@sotaocr/core/documents";
import { findHighlights, type Highlight, type HighlightPage } from "./highlight.js";

// What the inspector page renders: plain JSON, embedded in the page (served or written with --out).
// Everything in it is the service's data, shown as text by the page (never as HTML).

/** A document open in the inspector: a file OCR'd now, or a job read by its id. */
export interface InspectDocument {
  /** The path as given, or the job id. */
  source: string;
  jobId: string;
}

export interface InspectElement {
  order: number;
  category: OcrElement["category"];
  label?: string | undefined;
  text: string;
  /** A table's cells, row by row (read off its HTML, which the page never inserts as such). */
  rows?: string[][] | undefined;
  /** [x0, y0, x1, y1] in the page image's pixels. */
  bbox?: [number, number, number, number] | undefined;
}

export interface InspectPage {
  /** Index into `documents`. */
  document: number;
  /** The page's number in the original document. */
  pageNumber: number;
  /** The number the service gave the page, which its preview URL takes (differs with page ranges); none for a page range without per-page results. */
  previewNumber?: number | undefined;
  /** Size of the page image in pixels (the boxes' space); undefined: read off the image. */
  width?: number | undefined;
  height?: number | undefined;
  markdown: string;
  elements: InspectElement[];
  /** The page image as a data: URI (`--out`); absent: the page asks the local server for it. */
  image?: string | undefined;
}

export interface InspectModel {
  documents: InspectDocument[];
  pages: InspectPage[];
  /** Chunks from `--highlight`, matched to pages; the page opens on the first. */
  highlights: Highlight[];
  /** Why chunks from `--highlight` were not matched. */
  highlightProblems: string[];
}

/** A document's pages as the inspector shows them. Pages that stand for a range of pages (no per-page result) are kept, without boxes. */
export function inspectPages(document: number, pages: readonly OcrPage[]): InspectPage[] {
  return pages.map((page, index) => {
    const out: InspectPage = {
      document,
      pageNumber: page.pageNumber,
      markdown: page.markdown ?? page.content,
      elements: (page.elements ?? []).map(inspectElement),
    };
    if (page.pageRange === undefined) out.previewNumber = previewPageNumber(page, index);
    if (page.width !== undefined && page.height !== undefined) {
      out.width = page.width;
      out.height = page.height;
    }
    return out;
  });
}

function inspectElement(element: OcrElement): InspectElement {
  const out: InspectElement = { order: element.order, category: element.category, text: element.text };
  if (element.label !== undefined) out.label = element.label;
  if (element.bbox) out.bbox = [...element.bbox];
  if (element.html !== undefined) {
    const rows = parseHtmlTable(element.html);
    if (rows) out.rows = rows;
  }
  return out;
}

/** The model of the documents, with the chunks of `highlightInput` (parsed JSON of `--highlight`) matched to their pages. */
export function inspectModel(
  documents: readonly { source: string; jobId: string; pages: readonly OcrPage[] }[],
  highlightInput?: unknown,
): InspectModel {
  const pages = documents.flatMap((document, index) => inspectPages(index, document.pages));
  const model: InspectModel = {
    documents: documents.map(({ source, jobId }) => ({ source, jobId })),
    pages,
    highlights: [],
    highlightProblems: [],
  };
  if (highlightInput !== undefined) {
    const match = findHighlights(highlightInput, highlightPages(model));
    model.highlights = match.highlights;
    model.highlightProblems = match.problems;
  }
  return model;
}

/** The pages as `findHighlights` takes them (the page builds the same from the model). */
export function highlightPages(model: Pick<InspectModel, "documents" | "pages">): HighlightPage[] {
  return model.pages.map((page) => ({
    source: model.documents[page.document]?.source ?? "",
    pageNumber: page.pageNumber,
    elements: page.elements,
  }));
}
