import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { outputPaths } from "./output.js";

const namesFor = (sources: string[], format: "markdown" | "json" = "markdown") =>
  [...outputPaths(sources, "out", format).values()].map((path) => path.slice("out/".length));

describe("outputPaths", () => {
  it("names a result after its input, without the input's extension, when no other input has that name", () => {
    expect(namesFor(["report.pdf", "scans/page.png", "README"], "json")).toEqual(["report.json", "page.json", "README.json"]);
    expect(outputPaths(["a/report.pdf"], "results", "markdown").get("a/report.pdf")).toBe(join("results", "report.md"));
  });

  it("keeps the extension of inputs that share a name, then adds as many folders as it takes", () => {
    expect(namesFor(["page.png", "page.jpg", "notes.pdf"])).toEqual(["page.png.md", "page.jpg.md", "notes.md"]);
    expect(namesFor(["a/report.pdf", "b/report.pdf", "Report.png"])).toEqual(["a-report.pdf.md", "b-report.pdf.md", "Report.png.md"]);
    expect(namesFor(["x/2024/scan.pdf", "y/2024/scan.pdf", "scan.png"])).toEqual([
      "x-2024-scan.pdf.md",
      "y-2024-scan.pdf.md",
      "scan.png.md",
    ]);
    // Names are compared ignoring case, as macOS and Windows file systems do.
    expect(namesFor(["a/Notes.pdf", "b/notes.PDF"])).toEqual(["a-Notes.pdf.md", "b-notes.PDF.md"]);
  });

  it("only paths that differ in nothing but case fall back to a mark", () => {
    expect(namesFor(["Scan.png", "scan.png"])).toEqual(["Scan.md", "scan~2.md"]);
    expect(namesFor(["a/Scan.png", "a/scan.png", "b/scan.png"])).toEqual(["a-Scan.png.md", "a-scan.png~2.md", "b-scan.png.md"]);
  });
});
