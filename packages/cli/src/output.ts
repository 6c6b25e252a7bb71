import { basename, extname, join } from "node:path";
import type { OcrPage, OcrResult } from "@sotaocr/core";

export type OutputFormat = "markdown" | "text" | "json";

const EXTENSION: Record<OutputFormat, string> = { markdown: "md", text: "txt", json: "json" };

/**
 * A result as the file the CLI writes: markdown with an invisible `<!-- page N -->` marker before
 * each page, text with a form feed after each page (as pdftotext does), or JSON with every page.
 */
export function render(result: Pick<OcrResult, "jobId" | "pageCount" | "pages"> & { source?: string }, format: OutputFormat): string {
  if (format === "json") {
    const pages = result.pages.map(({ raw: _raw, content: _content, ...page }: OcrPage) => page);
    return `${JSON.stringify({ source: result.source, jobId: result.jobId, pageCount: result.pageCount, pages }, null, 2)}\n`;
  }
  if (format === "text") return result.pages.map((page) => `${page.content}\n\f`).join("");
  return `${result.pages.map((page) => `<!-- page ${page.pageNumber} -->\n\n${page.content.trim()}\n`).join("\n")}`;
}

/**
 * Picks `<name>.<ext>` in `dir` for each source, numbering repeats (`report.md`, `report-2.md`).
 * Repeats are found ignoring case: `Report.pdf` and `report.pdf` would share one file on macOS
 * and Windows.
 */
export function outputPaths(sources: string[], dir: string, format: OutputFormat): Map<string, string> {
  const used = new Set<string>();
  const paths = new Map<string, string>();
  for (const source of sources) {
    const stem = basename(source, extname(source)) || "document";
    let name = `${stem}.${EXTENSION[format]}`;
    for (let n = 2; used.has(name.toLowerCase()); n++) name = `${stem}-${n}.${EXTENSION[format]}`;
    used.add(name.toLowerCase());
    paths.set(source, join(dir, name));
  }
  return paths;
}
