import { basename, extname, join, resolve, sep } from "node:path";
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
 * Picks a result file in `dir` for each source: `<name>.<ext>` (report.pdf → report.md). Sources
 * whose names would be the same keep what tells them apart, ignoring case (`Report.pdf` and
 * `report.pdf` would share one file on macOS and Windows): first their extension (page.png →
 * page.png.md, page.jpg → page.jpg.md), then as many of their folders as it takes (a/report.pdf →
 * a-report.pdf.md, b/report.pdf → b-report.pdf.md). Never a bare number, which would read like a
 * page ("page-2.md"); only paths that differ in case alone fall back to a mark ("~2").
 */
export function outputPaths(sources: string[], dir: string, format: OutputFormat): Map<string, string> {
  const names = distinctNames(sources);
  return new Map(sources.map((source, i) => [source, join(dir, `${names[i]}.${EXTENSION[format]}`)]));
}

function distinctNames(sources: readonly string[]): string[] {
  const entries = sources.map((source) => {
    const path = resolve(source);
    return { segments: path.split(sep).filter(Boolean), same: path.toLowerCase(), level: 0 };
  });
  const nameOf = ({ segments, level }: (typeof entries)[number]): string => {
    const base = segments.at(-1) ?? "document";
    return level === 0 ? basename(base, extname(base)) || "document" : segments.slice(-level).join("-");
  };
  // Every source whose name another one has moves to its next, longer name, until no name is shared
  // but by paths that differ in case alone (no folder tells those apart).
  for (let moved = true; moved; ) {
    moved = false;
    const byName = new Map<string, (typeof entries)[number][]>();
    for (const entry of entries) {
      const key = nameOf(entry).toLowerCase();
      byName.set(key, [...(byName.get(key) ?? []), entry]);
    }
    for (const group of byName.values()) {
      if (new Set(group.map((entry) => entry.same)).size < 2) continue;
      for (const entry of group) {
        if (entry.level >= entry.segments.length) continue;
        entry.level++;
        moved = true;
      }
    }
  }
  const used = new Set<string>();
  return entries.map((entry) => {
    let name = nameOf(entry);
    for (let n = 2; used.has(name.toLowerCase()); n++) name = `${nameOf(entry)}~${n}`;
    used.add(name.toLowerCase());
    return name;
  });
}
