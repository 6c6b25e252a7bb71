import type { ElementCategory } from "@sotaocr/core";
import { boxOfPoints, type ElementSpan, spansInChunk } from "@sotaocr/core/documents";
import type { Metadata } from "llamaindex";

/** An element a chunk's text came from, and where it is on its page. */
export interface ChunkSource {
  pageNumber: number;
  category: ElementCategory;
  /** The element's place in the page's reading order, from 1. */
  order: number;
  /** [x0, y0, x1, y1] in the page's pixels; undefined for an element without a box. */
  bbox: [number, number, number, number] | undefined;
  /** The page's size in the same pixels (the page image's). */
  pageWidth: number | undefined;
  pageHeight: number | undefined;
  /** The page's image, when the reader wrote them (`pageImages`). */
  imagePath: string | undefined;
}

/** What `chunkSources` reads of a node: LlamaIndex's `TextNode` fits. */
export interface ChunkLike {
  metadata: Metadata;
  /** Where the chunk starts and ends in its Document's text, as LlamaIndex's node parsers set it. */
  startCharIdx?: number | undefined;
  endCharIdx?: number | undefined;
}

/**
 * The elements, with their boxes, that a chunk's text came from: for a node split from a page
 * Document, the elements its characters overlap (from `element_spans` and the node's
 * `startCharIdx`/`endCharIdx`); for an element Document or a node split from one, that element.
 * A node with no character offsets (the Document itself, or a chunk the splitter could not place)
 * gets every element of its page. Whole-file Documents carry no spans: nothing.
 * Reads metadata as the reader writes it, or flattened by `flattenMetadata`.
 */
export function chunkSources(node: ChunkLike): ChunkSource[] {
  const { metadata } = node;
  const pageNumber = metadata.page_number;
  if (typeof pageNumber !== "number") return [];
  const page = {
    pageNumber,
    pageWidth: numberOr(metadata.page_width),
    pageHeight: numberOr(metadata.page_height),
    imagePath: typeof metadata.image_path === "string" ? metadata.image_path : undefined,
  };
  if (typeof metadata.category === "string" && typeof metadata.element_order === "number") {
    return [{ ...page, category: metadata.category as ElementCategory, order: metadata.element_order, bbox: boxOf(metadata) }];
  }
  const spans = parsed<ElementSpan[]>(metadata.element_spans) ?? [];
  // A node that went through a docstore lost a startCharIdx of 0 (TextNode drops falsy offsets).
  const chars = node.endCharIdx !== undefined ? { start: node.startCharIdx ?? 0, end: node.endCharIdx } : undefined;
  return spansInChunk(spans, { chars }).map((span) => ({ ...page, category: span.category, order: span.order, bbox: span.bbox }));
}

/** The box of an element's `coordinates` (nested, or flattened to `coordinates.points`). */
function boxOf(metadata: Metadata): [number, number, number, number] | undefined {
  const coordinates = metadata.coordinates as { points?: unknown } | undefined;
  return boxOfPoints(coordinates?.points ?? metadata["coordinates.points"]);
}

/** A value as written, or parsed from the JSON text `flattenMetadata` makes of arrays. */
function parsed<T>(value: unknown): T | undefined {
  if (typeof value === "string") {
    try {
      return JSON.parse(value) as T;
    } catch {
      return undefined;
    }
  }
  return (value ?? undefined) as T | undefined;
}

function numberOr(value: unknown): number | undefined {
  return typeof value === "number" ? value : undefined;
}
