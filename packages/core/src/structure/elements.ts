import type { OcrElement } from "../types.js";
import { categoryOf, type ElementCategory } from "./categories.js";
import { holdsHtmlTable, parseHtmlTable, parseMarkdownTable, type TableRows, tableToHtml, tableToMarkdown, tableToText } from "./tables.js";

// One element model for every result shape (docs/api-contract.md#elements-and-their-categories).

/** A block as found on the wire, before it is an element. */
export interface WireBlock {
  label: string | undefined;
  content: string;
  bbox: [number, number, number, number] | undefined;
  score: number | undefined;
}

/** Elements in the order the service listed them (its reading order). */
export function elementsFromBlocks(blocks: readonly WireBlock[]): OcrElement[] {
  return blocks.map((block, i) => element(i + 1, block.label, categoryOf(block.label), block.content, block.bbox, block.score));
}

/**
 * Elements of a page that came without blocks, read off its markdown: `#` headings, markdown or
 * HTML tables, list items, paragraphs. They have no boxes.
 */
export function elementsFromMarkdown(markdown: string): OcrElement[] {
  const elements: OcrElement[] = [];
  for (const paragraph of markdown.split(/\n\s*\n/)) {
    const trimmed = paragraph.trim();
    if (!trimmed) continue;
    const heading = /^(#{1,6})\s+(.*)$/s.exec(trimmed);
    const category: ElementCategory = heading
      ? heading[1] === "#"
        ? "title"
        : "heading"
      : parseMarkdownTable(trimmed) || holdsHtmlTable(trimmed)
        ? "table"
        : /^([-*+]|\d+[.)])\s/.test(trimmed)
          ? "list_item"
          : "text";
    elements.push(element(elements.length + 1, undefined, category, heading ? (heading[2] as string) : trimmed, undefined, undefined));
  }
  return elements;
}

function element(
  order: number,
  label: string | undefined,
  category: ElementCategory,
  content: string,
  bbox: OcrElement["bbox"],
  score: number | undefined,
): OcrElement {
  const table = tableOf(content);
  const result: OcrElement = {
    order,
    category: table && (category === "text" || category === "uncategorized") ? "table" : category,
    label,
    text: table ? tableToText(table.rows) : content,
    markdown: table ? tableToMarkdown(table.rows) : markdownOf(category, content),
  };
  if (table) result.html = table.html;
  if (bbox) result.bbox = bbox;
  if (score !== undefined) result.score = score;
  return result;
}

/** A table's rows and HTML, when the content is an HTML or markdown table. */
function tableOf(content: string): { rows: TableRows; html: string } | undefined {
  if (holdsHtmlTable(content)) {
    const rows = parseHtmlTable(content);
    const html = /<table\b[\s\S]*<\/table>/i.exec(content)?.[0];
    return rows && html ? { rows, html } : undefined;
  }
  const rows = parseMarkdownTable(content);
  return rows ? { rows, html: tableToHtml(rows) } : undefined;
}

function markdownOf(category: ElementCategory, text: string): string {
  if (category === "title") return `# ${oneLine(text)}`;
  if (category === "heading") return `## ${oneLine(text)}`;
  return text;
}

const oneLine = (text: string) => text.replace(/\s+/g, " ").trim();
