// Which boxes a retrieved chunk came from: LangChain or LlamaIndex Documents (or their metadata
// alone, or a list of them) matched against the inspector's pages.
//
// `findHighlights` runs in two places: in Node for `--highlight chunks.json`, and in the page for
// metadata pasted into it (the page embeds `findHighlights.toString()`). So it is ONE function with
// everything it needs inside it and no imports: nothing outside its body exists in the browser.

/** What the matcher needs of a page. */
export interface HighlightPage {
  /** The document's source (path as given, or job id), to pick the page when several documents are open. */
  source: string;
  pageNumber: number;
  elements: readonly { order: number; text: string; bbox?: readonly number[] | undefined }[];
}

/** A chunk found on a page. */
export interface Highlight {
  /** What to call it in a list: "#1 page 2, 3 elements". */
  label: string;
  /** Index of its page in the pages given. */
  page: number;
  /** Orders of the page's elements it covers. */
  orders: number[];
  /** Boxes it names that match no element, [x0, y0, x1, y1] (drawn on their own). */
  boxes: [number, number, number, number][];
}

/** The chunks found, and why others were not (one line each). */
export interface HighlightMatch {
  highlights: Highlight[];
  problems: string[];
}

/**
 * Finds each chunk in `input` on `pages`. Accepted, liberally: a Document (`{ pageContent |
 * text, metadata }`, LangChain's serialised `{ kwargs: { metadata } }`, LlamaIndex's `{ node }`),
 * its metadata alone, or an array (or `{ documents | chunks | nodes | sourceDocuments | ... }`) of
 * them. The page comes from `page_number`, `loc.pageNumber`, `pageNumber` or `page_label`; the
 * boxes from Unstructured's `coordinates.points`, `element_order`, or element spans with `bbox`
 * (`sotaocr.elements`, or any array of objects with a box), narrowed to the chunk's `loc.lines`
 * or character offsets when it has them; else from its text, matched against the elements'.
 */
export function findHighlights(input: unknown, pages: readonly HighlightPage[]): HighlightMatch {
  type Box = [number, number, number, number];
  type Dict = Record<string, unknown>;
  const isDict = (value: unknown): value is Dict => typeof value === "object" && value !== null && !Array.isArray(value);
  const int = (value: unknown): number | undefined => {
    const n = typeof value === "string" && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
    return typeof n === "number" && Number.isInteger(n) && n >= 0 ? n : undefined;
  };
  const first = <T>(...values: (T | undefined)[]): T | undefined => values.find((value) => value !== undefined);
  const LISTS = ["documents", "docs", "chunks", "nodes", "sourceDocuments", "source_documents", "sourceNodes", "source_nodes", "results"];

  const items: unknown[] = [];
  const collect = (value: unknown, depth: number): void => {
    if (depth > 3) return;
    if (Array.isArray(value)) {
      for (const item of value) collect(item, depth + 1);
      return;
    }
    if (!isDict(value)) return;
    const list = LISTS.find((key) => Array.isArray(value[key]));
    if (list && value.metadata === undefined) collect(value[list], depth + 1);
    else items.push(value);
  };
  collect(input, 0);

  const boxOf = (value: unknown): Box | undefined => {
    if (Array.isArray(value) && value.length === 4 && value.every((n) => typeof n === "number" && Number.isFinite(n)))
      return [value[0], value[1], value[2], value[3]] as Box;
    // Unstructured's corners ([[x, y] × 4]), or a coordinates object holding them.
    const points = isDict(value) ? value.points : value;
    if (!Array.isArray(points) || points.length < 2) return undefined;
    const xs: number[] = [];
    const ys: number[] = [];
    for (const point of points) {
      if (!Array.isArray(point) || typeof point[0] !== "number" || typeof point[1] !== "number") return undefined;
      xs.push(point[0]);
      ys.push(point[1]);
    }
    return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
  };
  const letters = (text: string) => (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).join("");
  const sameBox = (a: readonly number[], b: readonly number[]) => {
    const [ax0, ay0, ax1, ay1] = a as Box;
    const [bx0, by0, bx1, by1] = b as Box;
    const overlap = Math.max(0, Math.min(ax1, bx1) - Math.max(ax0, bx0)) * Math.max(0, Math.min(ay1, by1) - Math.max(ay0, by0));
    const union = (ax1 - ax0) * (ay1 - ay0) + (bx1 - bx0) * (by1 - by0) - overlap;
    return union > 0 && overlap / union >= 0.8;
  };
  const baseName = (path: string) => path.split(/[\\/]/).pop() ?? path;

  const highlights: Highlight[] = [];
  const problems: string[] = [];
  items.forEach((item, index) => {
    const name = `#${index + 1}`;
    const doc = item as Dict;
    const inner = isDict(doc.kwargs) ? doc.kwargs : isDict(doc.node) ? doc.node : doc; // LangChain serialised, LlamaIndex NodeWithScore
    const metadata = isDict(inner.metadata) ? inner.metadata : inner;
    const text = first(
      typeof inner.pageContent === "string" ? inner.pageContent : undefined,
      typeof inner.page_content === "string" ? inner.page_content : undefined,
      typeof inner.text === "string" ? inner.text : undefined,
    );
    const loc = isDict(metadata.loc) ? metadata.loc : {};
    const pageNumber = first(
      int(metadata.page_number),
      int(loc.pageNumber),
      int(metadata.pageNumber),
      int(metadata.page_label),
      int(metadata.page),
    );
    if (pageNumber === undefined) {
      problems.push(`${name}: no page number (page_number, loc.pageNumber, pageNumber or page_label) in its metadata.`);
      return;
    }
    const source = first(metadata.source, metadata.file_path, metadata.file_name);
    let candidates = pages.map((page, at) => ({ page, at })).filter(({ page }) => page.pageNumber === pageNumber);
    if (candidates.length > 1 && typeof source === "string") {
      const bySource = candidates.filter(({ page }) => page.source === source || baseName(page.source) === baseName(source));
      if (bySource.length > 0) candidates = bySource;
    }
    const found = candidates[0];
    if (!found) {
      problems.push(`${name}: page ${pageNumber} is not among the pages shown.`);
      return;
    }
    const { page, at } = found;

    // Element spans (page chunks), or any array of objects with a box, a level or two down.
    const spans: Dict[] = [];
    const findSpans = (value: unknown, depth: number): void => {
      if (depth > 2 || !isDict(value)) return;
      for (const [key, child] of Object.entries(value)) {
        if (key === "coordinates") continue;
        if (
          Array.isArray(child) &&
          child.some((entry) => isDict(entry) && (boxOf(entry.bbox) || boxOf(entry.points) || boxOf(entry.coordinates)))
        )
          spans.push(...child.filter(isDict));
        else findSpans(child, depth + 1);
      }
    };
    findSpans(metadata, 0);
    const lines = isDict(loc.lines) ? { from: int(loc.lines.from), to: int(loc.lines.to) } : undefined;
    const start = first(int(metadata.start_char_idx), int(metadata.startCharIdx), int(inner.start_char_idx), int(inner.startCharIdx));
    const end = first(int(metadata.end_char_idx), int(metadata.endCharIdx), int(inner.end_char_idx), int(inner.endCharIdx));
    const chosen = spans.filter((span) => {
      // As core's spansInChunk: by characters when the chunk has them, else by lines, else all.
      const spanStart = int(span.start);
      const spanEnd = int(span.end);
      if (start !== undefined && end !== undefined && spanStart !== undefined && spanEnd !== undefined)
        return spanStart < end && spanEnd > start;
      const spanLines = isDict(span.lines) ? { from: int(span.lines.from), to: int(span.lines.to) } : undefined;
      if (lines?.from !== undefined && lines.to !== undefined && spanLines?.from !== undefined && spanLines.to !== undefined)
        return spanLines.from <= lines.to && spanLines.to >= lines.from;
      return true;
    });

    const wanted: { order?: number | undefined; box?: Box | undefined }[] = chosen.map((span) => ({
      order: first(int(span.order), int(span.element_order)),
      box: first(boxOf(span.bbox), boxOf(span.points), boxOf(span.coordinates)),
    }));
    const ownBox = boxOf(metadata.coordinates) ?? boxOf(metadata.bbox);
    const ownOrder = int(metadata.element_order);
    if (ownBox || ownOrder !== undefined) wanted.push({ order: ownOrder, box: ownBox });

    const orders = new Set<number>();
    const boxes: Box[] = [];
    for (const { order, box } of wanted) {
      const element = page.elements.find(
        (candidate) =>
          (box === undefined || (candidate.bbox && sameBox(candidate.bbox, box))) && (order === undefined || candidate.order === order),
      );
      const byBox = element ?? (box && page.elements.find((candidate) => candidate.bbox && sameBox(candidate.bbox, box)));
      if (byBox) orders.add(byBox.order);
      else if (box) boxes.push(box);
      else if (order !== undefined && page.elements.some((candidate) => candidate.order === order)) orders.add(order);
    }
    // Nothing about boxes: the elements whose text is in the chunk's (or that hold it).
    if (wanted.length === 0 && text) {
      const chunk = letters(text);
      for (const element of page.elements) {
        const own = letters(element.text);
        if (own && chunk && (chunk.includes(own) || own.includes(chunk))) orders.add(element.order);
      }
    }
    const count = orders.size + boxes.length;
    highlights.push({
      label: `${name} page ${pageNumber}${count ? `, ${count} box${count === 1 ? "" : "es"}` : ", no boxes found"}`,
      page: at,
      orders: [...orders].sort((a, b) => a - b),
      boxes,
    });
  });
  if (items.length === 0) problems.push("No Document or metadata found: paste a Document, its metadata, or a list of them, as JSON.");
  return { highlights, problems };
}
