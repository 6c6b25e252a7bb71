/**
 * Reading order of a page's blocks from their boxes alone (a recursive X-Y cut), for text-layer
 * pages (whose content streams may paint the header last or the columns in any order) and scans:
 *
 * - A region is cut into horizontal strips at every empty band across its whole width and read
 *   top to bottom. Adjacent strips that share a gutter are merged first (see `sharesGutter`): in a
 *   two-column text the gaps between paragraphs of both columns sometimes line up, and that must
 *   not make the page read the top halves of both columns before their bottom halves.
 * - A region that is one strip and leaves a vertical gutter from top to bottom is read column by
 *   column, left to right. Strips come first so that a letter's or a form's parts (letterhead,
 *   fields, body, footer) are read in turn, though their short lines leave a gutter down the page.
 * - Blocks that no cut separates keep the order they came in.
 */

type Box = readonly [number, number, number, number];

interface Item<T> {
  value: T;
  box: Box;
  index: number;
}

/** A strip beside a hole joins the column only this close (share of its shortest block's height). */
const TIGHT_LEADING = 0.8;
/** Gaps narrower than this share of the region's width are not gutters. */
const MIN_GUTTER = 0.012;

/** `values` in reading order, by their boxes ([x0, y0, x1, y1], y downwards). */
export function orderByLayout<T>(values: readonly T[], boxOf: (value: T) => Box): T[] {
  const items = values.map((value, index) => ({ value, box: boxOf(value), index }));
  return order(items, 0).map((item) => item.value);
}

function order<T>(items: Item<T>[], depth: number): Item<T>[] {
  if (items.length <= 1 || depth > 12) return items;
  const strips = mergeStrips(splitStrips(items));
  if (strips.length > 1) return strips.flatMap((strip) => order(strip, depth + 1));
  const columns = splitColumns(items);
  if (columns.length > 1) return columns.flatMap((column) => order(column, depth + 1));
  return [...items].sort((a, b) => a.index - b.index);
}

/** The free x-intervals between the blocks' horizontal extents (inside the region). */
function gutters<T>(items: readonly Item<T>[]): [number, number][] {
  const spans = items.map((i) => [i.box[0], i.box[2]] as [number, number]).sort((a, b) => a[0] - b[0]);
  const left = spans[0]![0];
  const right = Math.max(...spans.map((s) => s[1]));
  const minWidth = Math.max(2, (right - left) * MIN_GUTTER);
  const gaps: [number, number][] = [];
  let end = spans[0]![1];
  for (const [x0, x1] of spans.slice(1)) {
    if (x0 - end >= minWidth) gaps.push([end, x0]);
    end = Math.max(end, x1);
  }
  return gaps;
}

function splitColumns<T>(items: Item<T>[]): Item<T>[][] {
  const gaps = gutters(items);
  if (gaps.length === 0) return [items];
  const columns: Item<T>[][] = Array.from({ length: gaps.length + 1 }, () => []);
  for (const item of items) {
    const column = gaps.filter((gap) => gap[1] <= item.box[0]).length;
    columns[column]!.push(item);
  }
  return columns.filter((c) => c.length > 0);
}

function splitStrips<T>(items: Item<T>[]): Item<T>[][] {
  const sorted = [...items].sort((a, b) => a.box[1] - b.box[1] || a.index - b.index);
  const strips: Item<T>[][] = [];
  let bottom = Number.NEGATIVE_INFINITY;
  for (const item of sorted) {
    // Blocks that overlap vertically by less than a sliver still count as separate strips.
    const slack = Math.min(2, (item.box[3] - item.box[1]) * 0.2);
    if (strips.length === 0 || item.box[1] >= bottom - slack) strips.push([]);
    strips.at(-1)!.push(item);
    bottom = Math.max(bottom, item.box[3]);
  }
  // Within a strip, the incoming order stands until the strip is cut again.
  return strips.map((strip) => strip.sort((a, b) => a.index - b.index));
}

/** Merges runs of adjacent strips that are split by a common gutter into one strip (see `sharesGutter`). */
function mergeStrips<T>(strips: Item<T>[][]): Item<T>[][] {
  const merged: Item<T>[][] = [];
  for (const strip of strips) {
    const last = merged.at(-1);
    if (last && sharesGutter(last, strip)) {
      last.push(...strip);
      last.sort((a, b) => a.index - b.index);
    } else merged.push([...strip]);
  }
  return merged;
}

/**
 * Whether two adjacent strips belong to one multi-column stretch: a gutter of both together splits
 * one of them (blocks on both sides) and either splits the other too or has it on one side, inside
 * the first strip's column there (a column the other column has a hole beside: text lost under a
 * stain). A gap that only one strip's blocks flank, the other lying across it and further (a page
 * number left of an indented column), is no shared gutter.
 */
function sharesGutter<T>(a: Item<T>[], b: Item<T>[]): boolean {
  const splits = (strip: Item<T>[], gap: [number, number]) =>
    strip.some((i) => i.box[2] <= gap[0]) && strip.some((i) => i.box[0] >= gap[1]);
  /** `strip` lies within `split`'s blocks on one side of `gap`, give or take the gap's width. */
  const inColumn = (strip: Item<T>[], split: Item<T>[], gap: [number, number]) => {
    const left = strip.every((i) => i.box[2] <= gap[0]);
    const side = split.filter((i) => (left ? i.box[2] <= gap[0] : i.box[0] >= gap[1]));
    const slack = gap[1] - gap[0];
    return (
      Math.min(...strip.map((i) => i.box[0])) >= Math.min(...side.map((i) => i.box[0])) - slack &&
      Math.max(...strip.map((i) => i.box[2])) <= Math.max(...side.map((i) => i.box[2])) + slack
    );
  };
  // Beside a hole, only lines set close as in running text (a letter's short body lines, a
  // paragraph apart, are not one column of the fields above them).
  const close = (lone: Item<T>[]) =>
    Math.min(...b.map((i) => i.box[1])) - Math.max(...a.map((i) => i.box[3])) <
    TIGHT_LEADING * Math.min(...lone.map((i) => i.box[3] - i.box[1]));
  return gutters([...a, ...b]).some((gap) => {
    const [inA, inB] = [splits(a, gap), splits(b, gap)];
    return (inA && inB) || (inA && inColumn(b, a, gap) && close(b)) || (inB && inColumn(a, b, gap) && close(a));
  });
}
