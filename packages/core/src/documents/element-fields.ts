import type { OcrElement, OcrPage } from "../index.js";

// The keys an element Document carries in both integrations, as LangChain's UnstructuredLoader
// names them (docs/structure.md#element-metadata): a retriever or a highlighter reads them alike.

/** An element's box as Unstructured writes it: four corners from the top left, counter-clockwise. */
export interface ElementCoordinates {
  points: [[number, number], [number, number], [number, number], [number, number]];
  system: "PixelSpace";
  /** The page's size in the same pixels (the page preview's). */
  layout_width: number | undefined;
  layout_height: number | undefined;
}

/** What an element Document says of its element (beside `source`, ids and the integration's own keys). */
export interface ElementFields {
  category: OcrElement["category"];
  page_number: number;
  /** Position in the page's reading order, from 1. */
  element_order: number;
  /** Absent for elements without a box (read off markdown). */
  coordinates?: ElementCoordinates;
  /** Tables only: the table as HTML. */
  text_as_html?: string;
}

export function elementFields(element: OcrElement, page: OcrPage): ElementFields {
  const fields: ElementFields = { category: element.category, page_number: page.pageNumber, element_order: element.order };
  if (element.bbox) fields.coordinates = coordinatesOf(element.bbox, page);
  if (element.html !== undefined) fields.text_as_html = element.html;
  return fields;
}

export function coordinatesOf(
  [x0, y0, x1, y1]: [number, number, number, number],
  page: Pick<OcrPage, "width" | "height">,
): ElementCoordinates {
  return {
    points: [
      [x0, y0],
      [x0, y1],
      [x1, y1],
      [x1, y0],
    ],
    system: "PixelSpace",
    layout_width: page.width,
    layout_height: page.height,
  };
}

/**
 * The box `[x0, y0, x1, y1]` of an element's corners (`coordinates.points`, as `coordinatesOf`
 * writes them, or as JSON text after `flattenMetadata`); undefined when they are not points.
 */
export function boxOfPoints(points: unknown): [number, number, number, number] | undefined {
  let value = points;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  if (!Array.isArray(value) || value.length === 0) return undefined;
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const point of value) {
    if (!Array.isArray(point) || !Number.isFinite(point[0]) || !Number.isFinite(point[1])) return undefined;
    const [x, y] = point as [number, number];
    [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
  }
  return [x0, y0, x1, y1];
}
