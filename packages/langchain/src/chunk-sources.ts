import type { ElementCategory } from "@sotaocr/core";
import { boxOfPoints, type ElementSpan, spansInChunk } from "@sotaocr/core/documents";

// From a chunk back to the page: which elements its text came from, and their boxes
// (docs/structure.md#highlighting). Reads nested metadata as the loader writes it, and the flat
// form of `flattenMetadata` as flat-only vector stores give it back.

/** One element a chunk's text came from. */
export interface ChunkSource {
  /** The page's number in the original document. */
  pageNumber: number;
  category: ElementCategory;
  /** The element's place in the page's reading order, from 1. */
  order: number;
  /** [x0, y0, x1, y1] in the page's pixels; absent for elements without a box (read off markdown). */
  bbox?: [number, number, number, number];
  /** The page's size in the same pixels (the page preview's), when the result said. */
  pageWidth?: number;
  pageHeight?: number;
  /** The page image written by the `pageImages` option, when it was set. */
  pageImage?: string;
}

/** The metadata `chunkSources` reads: any Document's, nested or flattened. */
type AnyMetadata = Readonly<Record<string, unknown>>;

/**
 * The elements a chunk's text came from, with their boxes, in reading order:
 * - an element Document (`split: "element"`), split or not: that element;
 * - a page Document (`split: "page"`) or a chunk of one: the elements its `loc.lines` overlap
 *   (LangChain's text splitters write them), every element of the page when it has none. It reads
 *   the page's `sotaocr.elements`, so it finds nothing with `elementSpans: false`;
 * - a file Document (`split: "file"`): nothing (its chunks have no page).
 *
 * Works on metadata as the loader writes it and as `flattenMetadata` flattens it (dotted keys,
 * arrays as JSON), so a chunk back from Chroma or Pinecone leads to its boxes too.
 */
export function chunkSources(document: { metadata: AnyMetadata }): ChunkSource[] {
  const metadata = document.metadata;
  const pageNumber = numberAt(metadata, "loc.pageNumber") ?? numberAt(metadata, "page_number");
  if (pageNumber === undefined) return [];
  const page: Pick<ChunkSource, "pageWidth" | "pageHeight" | "pageImage"> = {};
  const pageWidth = numberAt(metadata, "sotaocr.width");
  const pageHeight = numberAt(metadata, "sotaocr.height");
  const pageImage = valueAt(metadata, "sotaocr.pageImage");
  if (pageWidth !== undefined) page.pageWidth = pageWidth;
  if (pageHeight !== undefined) page.pageHeight = pageHeight;
  if (typeof pageImage === "string") page.pageImage = pageImage;

  const category = valueAt(metadata, "category");
  const order = numberAt(metadata, "element_order");
  if (typeof category === "string" && order !== undefined) {
    const source: ChunkSource = { pageNumber, category: category as ElementCategory, order, ...page };
    const bbox = boxOfPoints(valueAt(metadata, "coordinates.points"));
    if (bbox) source.bbox = bbox;
    // An element's own layout size wins: it is the space its points are in.
    const width = numberAt(metadata, "coordinates.layout_width");
    const height = numberAt(metadata, "coordinates.layout_height");
    if (width !== undefined) source.pageWidth = width;
    if (height !== undefined) source.pageHeight = height;
    return [source];
  }

  const spans = jsonAt(metadata, "sotaocr.elements");
  if (!Array.isArray(spans)) return [];
  const from = numberAt(metadata, "loc.lines.from");
  const to = numberAt(metadata, "loc.lines.to");
  const lines = from !== undefined && to !== undefined ? { from, to } : undefined;
  return spansInChunk(spans as ElementSpan[], { lines }).map((span) => {
    const source: ChunkSource = { pageNumber, category: span.category, order: span.order, ...page };
    if (span.bbox) source.bbox = [...span.bbox];
    return source;
  });
}

/** The value at a dotted path: nested (`a.b`), or flat (a key "a.b", as `flattenMetadata` writes it). */
function valueAt(metadata: AnyMetadata, path: string): unknown {
  if (path in metadata) return metadata[path];
  let value: unknown = metadata;
  for (const key of path.split(".")) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function numberAt(metadata: AnyMetadata, path: string): number | undefined {
  const value = valueAt(metadata, path);
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** An array, as it is or as the JSON text `flattenMetadata` made of it. */
function jsonAt(metadata: AnyMetadata, path: string): unknown {
  const value = valueAt(metadata, path);
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}
