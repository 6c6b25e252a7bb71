import { describe, expect, it } from "vitest";
import { extractCommand, jobsResultCommand, shellWord } from "./suggested-commands.js";

describe("commands the CLI suggests", () => {
  it("quote words a shell would split or expand, and only those", () => {
    expect(["report.pdf", "scans/a-1.pdf", "big scan.pdf", "it's.pdf", "*.pdf", "$HOME"].map(shellWord)).toEqual([
      "report.pdf",
      "scans/a-1.pdf",
      "'big scan.pdf'",
      "'it'\\''s.pdf'",
      "'*.pdf'",
      "'$HOME'",
    ]);
  });

  it("`jobs result` repeats --format and --pages (not their defaults) and the file --out would have been", () => {
    expect(jobsResultCommand("job_1", { format: "markdown" })).toBe("sotaocr jobs result job_1");
    expect(
      jobsResultCommand(
        "job_1",
        {
          format: "json",
          pageRanges: [
            { start: 2, end: 3 },
            { start: 5, end: 5 },
          ],
        },
        "out/a b.json",
      ),
    ).toBe("sotaocr jobs result job_1 --format json --pages 2-3,5 --out 'out/a b.json'");
  });

  it("`extract` again: the same folder (`--out .` when it was the default), format, pages, profile, cache and timeout", () => {
    expect(extractCommand("a.pdf", { format: "markdown", outDir: undefined })).toBe("sotaocr extract a.pdf");
    expect(
      extractCommand("x/a.pdf", {
        format: "text",
        pageRanges: [{ start: 1, end: 2 }],
        outDir: ".",
        modelProfile: "fast",
        cache: true,
        timeout: "2h",
      }),
    ).toBe("sotaocr extract x/a.pdf --out . --format text --pages 1-2 --model-profile fast --cache --timeout 2h");
    expect(extractCommand("a.pdf", { format: "markdown", outDir: "r", cache: "/tmp/c", timeout: "30m" })).toBe(
      "sotaocr extract a.pdf --out r --cache /tmp/c",
    );
  });
});
