// Tables between the forms they travel in: HTML (PaddleOCR's table content), GitHub markdown
// (page content, element text) and plain text. A table is a grid of cell texts; spanned cells
// repeat nothing and are left empty, so every row has the same number of cells.

/** Rows of cell texts, the first row being the header when rendered. */
export type TableRows = string[][];

const TABLE_IN_TEXT = /[ \t]*(?:<html>\s*<body>\s*)?<table\b[\s\S]*?<\/table>(?:\s*<\/body>\s*<\/html>)?[ \t]*/gi;

/** Whether a text is (or holds) an HTML table. */
export function holdsHtmlTable(text: string): boolean {
  // includes() first: this is asked of every block, and most hold no "<" at all.
  return text.includes("<") && /<table\b/i.test(text) && /<\/table>/i.test(text);
}

/** The cells of the first HTML table in `html`, or undefined when it has no table with a row. */
export function parseHtmlTable(html: string): TableRows | undefined {
  const start = html.search(/<table\b/i);
  if (start < 0) return undefined;
  const grid: (string | undefined)[][] = [];
  const pendingSpans: number[] = []; // rows each column is still covered for by a rowspan above
  let row: (string | undefined)[] | undefined;
  let cell: { text: string; colspan: number; rowspan: number } | undefined;
  let column = 0;

  const skipSpanned = () => {
    while (row && (pendingSpans[column] ?? 0) > 0) {
      pendingSpans[column] = (pendingSpans[column] as number) - 1;
      row[column++] = "";
    }
  };
  const closeCell = () => {
    if (!row || !cell) return;
    skipSpanned();
    row[column] = squeeze(cell.text);
    for (let i = 0; i < cell.colspan; i++) {
      if (i > 0) row[column + i] = "";
      if (cell.rowspan > 1) pendingSpans[column + i] = cell.rowspan - 1;
    }
    column += cell.colspan;
    cell = undefined;
  };
  const closeRow = () => {
    closeCell();
    if (!row) return;
    while (column < pendingSpans.length) {
      if ((pendingSpans[column] ?? 0) > 0) skipSpanned();
      else column++;
    }
    grid.push(row);
    row = undefined;
  };

  // A scan by hand, not a regex over tags: this runs over every table of a result, and each match
  // of /<(\/?)(name)(attributes)>|text|</ was an array and four strings.
  for (let at = start; at < html.length; ) {
    const end = html.charCodeAt(at) === LT ? tagEnd(html, at) : -1;
    if (end < 0) {
      // Text up to the next "<", or a "<" that opens no tag.
      const next = html.charCodeAt(at) === LT ? at + 1 : html.indexOf("<", at);
      const end = next < 0 ? html.length : next;
      if (cell) cell.text += decodeEntities(html.slice(at, end));
      at = end;
      continue;
    }
    const closing = html.charCodeAt(at + 1) === SLASH;
    const nameStart = at + (closing ? 2 : 1);
    const nameEnd = endOfName(html, nameStart);
    const name = knownTag(html, nameStart, nameEnd);
    at = end;
    if (name === "table" && closing) break;
    if (name === "tr") {
      closeRow();
      if (!closing) {
        row = [];
        column = 0;
      }
    } else if (name === "td" || name === "th") {
      closeCell();
      if (!closing) {
        if (!row) {
          row = [];
          column = 0;
        }
        const attributes = html.slice(nameEnd, end - 1);
        cell = { text: "", colspan: span(attributes, "colspan"), rowspan: span(attributes, "rowspan") };
      }
    } else if (cell && (name === "br" || name === "p" || name === "div" || name === "li")) {
      cell.text += " ";
    }
  }
  closeRow();
  if (grid.length === 0) return undefined;
  let width = 0;
  for (const cells of grid) width = Math.max(width, cells.length);
  for (const cells of grid) for (let i = 0; i < width; i++) cells[i] ??= "";
  return grid as TableRows;
}

const LT = 0x3c;
const SLASH = 0x2f;

/**
 * Where the tag that starts at `at` (a "<") ends: just after the ">" of `<name …>` or
 * `</name …>`, the name a letter then letters or digits; -1 when the "<" opens no tag.
 */
function tagEnd(html: string, at: number): number {
  const nameStart = at + (html.charCodeAt(at + 1) === SLASH ? 2 : 1);
  if (!isLetter(html.charCodeAt(nameStart))) return -1;
  const gt = html.indexOf(">", endOfName(html, nameStart));
  return gt < 0 ? -1 : gt + 1;
}

function endOfName(html: string, nameStart: number): number {
  let end = nameStart + 1;
  while (isLetter(html.charCodeAt(end)) || isDigit(html.charCodeAt(end))) end++;
  return end;
}

/** The tags a table is read by; others read as "" (compared in place: no string per tag). */
const TABLE_TAGS = ["table", "tr", "td", "th", "br", "p", "div", "li"] as const;

function knownTag(html: string, start: number, end: number): (typeof TABLE_TAGS)[number] | "" {
  for (const name of TABLE_TAGS) {
    if (name.length !== end - start) continue;
    let i = 0;
    // | 0x20 lower-cases an ASCII letter and leaves digits as they are.
    while (i < name.length && (html.charCodeAt(start + i) | 0x20) === name.charCodeAt(i)) i++;
    if (i === name.length) return name;
  }
  return "";
}

const isLetter = (code: number) => (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
const isDigit = (code: number) => code >= 0x30 && code <= 0x39;

/** A GitHub markdown table: the first row is the header. */
export function tableToMarkdown(rows: TableRows): string {
  // Plain loops: Array.from over an array-like and the spreads were the slow part of each table.
  let width = 1;
  for (const cells of rows) width = Math.max(width, cells.length);
  const line = (cells: readonly string[]) => {
    let text = "|";
    for (let i = 0; i < width; i++) text += ` ${escapeMarkdownCell(cells[i] ?? "")} |`;
    return text;
  };
  let markdown = `${line(rows[0] ?? [])}\n|${" --- |".repeat(width)}`;
  for (let i = 1; i < rows.length; i++) markdown += `\n${line(rows[i] as string[])}`;
  return markdown;
}

/** An HTML table; the first row as header cells (`<th>`). */
export function tableToHtml(rows: TableRows): string {
  const line = (cells: readonly string[], tag: "th" | "td") => `<tr>${cells.map((c) => `<${tag}>${escapeHtml(c)}</${tag}>`).join("")}</tr>`;
  const [header = [], ...body] = rows;
  return `<table>${line(header, "th")}${body.map((cells) => line(cells, "td")).join("")}</table>`;
}

/** Plain text: a row per line, cells separated by tabs. */
export function tableToText(rows: TableRows): string {
  return rows.map((cells) => cells.join("\t")).join("\n");
}

/**
 * The rows of a GitHub markdown table (lines that start with `|`, a `---` separator after the
 * header), or undefined when the text is not one.
 */
export function parseMarkdownTable(markdown: string): TableRows | undefined {
  if (!markdown.trimStart().startsWith("|")) return undefined;
  const lines = markdown
    .trim()
    .split("\n")
    .map((line) => line.trim());
  if (lines.length < 2 || !lines.every((line) => line.startsWith("|"))) return undefined;
  if (!/^\|(\s*:?-{3,}:?\s*\|)+$/.test(lines[1] as string)) return undefined;
  const cells = (line: string) =>
    line
      .replace(/^\||\|$/g, "")
      .split(/(?<!\\)\|/)
      .map((cell) =>
        cell
          .trim()
          .replace(/\\\|/g, "|")
          .replace(/<br\s*\/?>/gi, " "),
      );
  return [cells(lines[0] as string), ...lines.slice(2).map(cells)];
}

/** Markdown with every HTML table in it (PaddleOCR embeds them) rendered as a markdown table. */
export function htmlTablesToMarkdown(markdown: string): string {
  if (!holdsHtmlTable(markdown)) return markdown;
  return markdown
    .replace(TABLE_IN_TEXT, (html) => {
      const rows = parseHtmlTable(html);
      return rows ? `\n\n${tableToMarkdown(rows)}\n\n` : html;
    })
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

const SPAN_ATTRIBUTES = { colspan: /colspan\s*=\s*["']?(\d+)/i, rowspan: /rowspan\s*=\s*["']?(\d+)/i };

// Runs for every cell of every table: the patterns are made once, and a bare `<td>` skips them.
function span(attributes: string, name: keyof typeof SPAN_ATTRIBUTES): number {
  if (attributes === "") return 1;
  const value = SPAN_ATTRIBUTES[name].exec(attributes)?.[1];
  const n = value === undefined ? 1 : Number.parseInt(value, 10);
  return Math.min(Math.max(n, 1), 1000);
}

/** Whitespace runs as one space, trimmed; text with single spaces only is not copied. */
const squeeze = (text: string) => (/[^\S ]| {2}/.test(text) ? text.replace(/\s+/g, " ") : text).trim();

const escapeMarkdownCell = (text: string) => (/[|\n]/.test(text) ? text.replace(/\|/g, "\\|").replace(/\n/g, "<br>") : text);

const escapeHtml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

const NAMED_ENTITIES: Readonly<Record<string, string>> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " };

function decodeEntities(text: string): string {
  if (!text.includes("&")) return text;
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, entity: string) => {
    if (entity[0] === "#") {
      const code = entity[1] === "x" || entity[1] === "X" ? Number.parseInt(entity.slice(2), 16) : Number.parseInt(entity.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED_ENTITIES[entity.toLowerCase()] ?? whole;
  });
}
