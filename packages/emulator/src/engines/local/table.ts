/**
 * Tables from positioned text: rows are lines, cells are the stretches of a line separated by wide
 * gaps ("segments"), and columns are the x-ranges that the segments of ≥ 3 consecutive rows share,
 * with an empty gutter between them on every row. Works on text-layer lines and on OCR lines alike
 * (both give segments with positions); renders tables as HTML (the "table" block's text) and as
 * GitHub markdown.
 */

/** A stretch of a line between wide gaps, positioned along the line (reading frame, any unit). */
export interface Segment {
  text: string;
  start: number;
  end: number;
}

/** A line as table detection sees it. `baseline` grows downwards; `size` is the text size. */
export interface SegmentedLine {
  segments: readonly Segment[];
  baseline: number;
  size: number;
}

/** A table found among `lines[from..to]` (inclusive), cells in row order. */
export interface FoundTable {
  from: number;
  to: number;
  rows: string[][];
}

/** A gap this many text sizes wide ends a segment (LaTeX puts ≥ 1.2 em between columns; prose ≤ ~0.5 em). */
export const SEGMENT_GAP = 0.8;
/** Rows of a table follow each other at most this many text sizes apart. */
const MAX_ROW_STEP = 2.6;
/** A table has at least this many rows with two or more cells. */
const MIN_ROWS = 3;
/** Cells of prose columns are long; a table's are short on average. */
const MAX_MEAN_CELL_CHARS = 40;

const isMulti = (line: SegmentedLine) => line.segments.length >= 2;

/** Splits positioned words into segments at gaps wider than `SEGMENT_GAP` × `size`. */
export function segmentWords(words: readonly Segment[], size: number): Segment[] {
  const segments: Segment[] = [];
  for (const word of [...words].sort((a, b) => a.start - b.start)) {
    const last = segments.at(-1);
    if (last && word.start - last.end <= SEGMENT_GAP * size) {
      last.text += ` ${word.text}`;
      last.end = Math.max(last.end, word.end);
    } else {
      segments.push({ ...word });
    }
  }
  return segments;
}

/**
 * Tables among consecutive lines (in reading order); lines outside them are left alone. A line on
 * the baseline of an earlier line of the table (a PDF may paint a row's cells in two passes, or a
 * wrapped cell before the rest of its row) joins that row. `minColumns` (default 2): fewer columns
 * are not a table.
 */
export function findTables(lines: readonly SegmentedLine[], options: { minColumns?: number } = {}): FoundTable[] {
  const tables: FoundTable[] = [];
  let i = 0;
  while (i < lines.length) {
    if (!isMulti(lines[i]!)) {
      i++;
      continue;
    }
    // A run: multi-segment lines close below each other; a single-segment line may sit between two
    // of them (a cell wrapped onto a second line).
    let to = i;
    const fits = (line: SegmentedLine, upTo: number) => {
      const run = lines.slice(i, upTo + 1);
      const bottom = Math.max(...run.map((l) => l.baseline));
      const step = line.baseline - bottom;
      return (step > 0 && step <= MAX_ROW_STEP * line.size) || run.some((l) => sameRow(l, line));
    };
    while (to + 1 < lines.length) {
      const next = lines[to + 1]!;
      if (!fits(next, to)) break;
      if (isMulti(next)) {
        to++;
        continue;
      }
      const after = lines[to + 2];
      if (after && isMulti(after) && fits(after, to + 1)) {
        to += 2;
        continue;
      }
      break;
    }
    const table = tableOf(lines, i, to, options.minColumns ?? 2);
    if (table) tables.push(table);
    i = to + 1;
  }
  return tables;
}

const sameRow = (a: SegmentedLine, b: SegmentedLine) => Math.abs(a.baseline - b.baseline) < 0.5 * Math.min(a.size, b.size);

/** The run's lines merged into rows (lines on one baseline), top to bottom. */
function rowsOf(run: readonly SegmentedLine[]): SegmentedLine[] {
  const rows: SegmentedLine[] = [];
  for (const line of [...run].sort((a, b) => a.baseline - b.baseline)) {
    const row = rows.find((r) => sameRow(r, line));
    if (row) row.segments = [...row.segments, ...line.segments].sort((a, b) => a.start - b.start);
    else rows.push({ ...line, segments: [...line.segments] });
  }
  return rows;
}

function tableOf(lines: readonly SegmentedLine[], from: number, to: number, minColumns: number): FoundTable | undefined {
  const run = rowsOf(lines.slice(from, to + 1));
  if (run.filter(isMulti).length < MIN_ROWS) return undefined;
  const columns = columnsOf(run);
  if (columns.length < minColumns) return undefined;
  const rows: string[][] = [];
  for (const line of run) {
    const cells = columns.map(() => [] as string[]);
    for (const segment of line.segments) cells[columnOf(columns, segment)]!.push(segment.text.trim());
    const row = cells.map((c) => c.join(" "));
    const filled = row.flatMap((cell, index) => (cell ? [index] : []));
    const previous = rows.at(-1);
    // A lone cell under a filled cell of the row above continues it.
    if (filled.length === 1 && previous && filled[0]! > 0 && previous[filled[0]!]) {
      previous[filled[0]!] += ` ${row[filled[0]!]}`;
      continue;
    }
    rows.push(row);
  }
  if (rows.filter((row) => row.filter(Boolean).length >= 2).length < MIN_ROWS) return undefined;
  const cells = rows.flat().filter(Boolean);
  if (cells.reduce((n, cell) => n + cell.length, 0) / cells.length > MAX_MEAN_CELL_CHARS) return undefined;
  return { from, to, rows };
}

/** The x-ranges covered by the run's segments, split at gutters empty on every row. */
function columnsOf(run: readonly SegmentedLine[]): [number, number][] {
  const size = run.reduce((s, l) => s + l.size, 0) / run.length;
  const spans = run.flatMap((line) => line.segments.map((s) => [s.start, s.end] as [number, number])).sort((a, b) => a[0] - b[0]);
  const columns: [number, number][] = [];
  for (const [start, end] of spans) {
    const last = columns.at(-1);
    if (last && start - last[1] < SEGMENT_GAP * size) last[1] = Math.max(last[1], end);
    else columns.push([start, end]);
  }
  return columns;
}

function columnOf(columns: readonly [number, number][], segment: Segment): number {
  const middle = (segment.start + segment.end) / 2;
  let best = 0;
  let bestDistance = Number.POSITIVE_INFINITY;
  columns.forEach(([start, end], index) => {
    const distance = middle < start ? start - middle : middle > end ? middle - end : 0;
    if (distance < bestDistance) {
      best = index;
      bestDistance = distance;
    }
  });
  return best;
}

const escapeHtml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** `<table><tr><td>…</td></tr></table>`, as PaddleOCR's table blocks carry them. */
export function tableToHtml(rows: readonly (readonly string[])[]): string {
  return `<table>${rows.map((cells) => `<tr>${cells.map((c) => `<td>${escapeHtml(c)}</td>`).join("")}</tr>`).join("")}</table>`;
}

/** A GitHub markdown table, the first row as its header. */
export function tableToMarkdown(rows: readonly (readonly string[])[]): string {
  const width = Math.max(1, ...rows.map((cells) => cells.length));
  const cell = (text: string) => text.replace(/\s+/g, " ").replace(/\|/g, "\\|").trim();
  const line = (cells: readonly string[]) => `| ${Array.from({ length: width }, (_, i) => cell(cells[i] ?? "")).join(" | ")} |`;
  const [header = [], ...body] = rows;
  return [line(header), `|${" --- |".repeat(width)}`, ...body.map(line)].join("\n");
}
