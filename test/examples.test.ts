import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import { notebookCode } from "./support/notebook.js";

// Every example and notebook runs as a user would run it, with no SOTAOCR_API_KEY: each starts the
// local emulator itself and does real OCR offline.
const ROOT = new URL("..", import.meta.url).pathname;
const TSX = join(ROOT, "node_modules/.bin/tsx");
const env = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp" };
const run = (command: string, args: string[]) => promisify(execFile)(command, args, { cwd: ROOT, env, timeout: 120_000 });

describe("examples", () => {
  it("langchain-rag.ts answers from the right page", async () => {
    const { stdout } = await run(TSX, ["examples/langchain-rag.ts"]);
    expect(stdout).toContain("using the local emulator");
    expect(stdout).toMatch(/Loaded \d+ chunks/);
    expect(stdout).toMatch(/A: mixed\.pdf, page 2:\n\s+# Warehouse Inventory Notice/);
  }, 120_000);

  it("llamaindex-ingestion.ts ingests every page once and retrieves the receipt", async () => {
    const { stdout } = await run(TSX, ["examples/llamaindex-ingestion.ts", "sourdough loaf price at the bakery"]);
    expect(stdout).toMatch(/Read 13 pages\./);
    expect(stdout).toMatch(/Ingested \d+ nodes \(a second run over the same pages adds 0\)/);
    expect(stdout).toMatch(/A: page\.png, page 1:\n\s+# Corner Bakery/);
  }, 120_000);

  it("highlight-chunk.ts draws the retrieved chunk's box on its page image", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sotaocr-highlight-"));
    try {
      const out = join(dir, "highlight.png");
      const { stdout } = await run(TSX, ["examples/highlight-chunk.ts", "How often should the inverter display be checked?", out]);
      expect(stdout).toMatch(/A: report\.pdf, page 2: Check the inverter display once a week/);
      const box = /Box: text \[(\d+), (\d+), (\d+), (\d+)\]/.exec(stdout)?.slice(1).map(Number) ?? [];
      expect(box).toHaveLength(4);
      const [x0 = 0, y0 = 0, x1 = 0, y1 = 0] = box;
      const image = PNG.sync.read(await readFile(out));
      const rgb = (x: number, y: number) => [...image.data.subarray((y * image.width + x) * 4, (y * image.width + x) * 4 + 3)];
      // The frame just outside the box is red, the page far from it white, and the paragraph above is untouched.
      expect(rgb(x0 - 8, Math.round((y0 + y1) / 2))).toEqual([220, 30, 30]);
      expect(rgb(x1 + 8, y1 + 8)).toEqual([220, 30, 30]);
      expect(rgb(20, 20)).toEqual([255, 255, 255]);
      expect(rgb(Math.round((x0 + x1) / 2), y0 - 60)).not.toEqual([220, 30, 30]);
      expect(stdout).toMatch(/Wrote .*highlight\.png \(\d+×\d+\) with 1 box\(es\)\./);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it("cli.sh runs the sotaocr command on the samples", async () => {
    const { stdout } = await run("bash", ["examples/cli.sh"]);
    expect(stdout).toMatch(/^Remaining pages: \d+/);
    expect(stdout).toContain("standard");
    expect(stdout).toContain("Solar Panel Maintenance");
    expect(stdout).toMatch(/mixed\.md\s+report-scanned\.md\s+report\.md/);
  }, 120_000);
});

describe("notebooks", () => {
  it.each([
    ["langchain.ipynb", [/report\.pdf page 2 → # Solar Panel Maintenance/, /"pageNumber": 1/, /report\.pdf, page 2: /]],
    [
      "llamaindex.ipynb",
      [
        /^1 # Quarterly/m,
        /file_name: report\.pdf/,
        /mixed\.pdf: 4 pages, page\.jpg: 1 pages, page\.png: 1 pages, report-scanned\.pdf: 3 pages, report\.pdf: 3 pages/,
        /failures: 0/,
        /first run: \d+ nodes, second run: 0/,
        /page 3: # Hiking Trail Guide/,
      ],
    ],
  ])(
    "%s runs cell by cell",
    async (name, expected) => {
      const script = join(ROOT, "examples/notebooks", `.${name}.ts`);
      await writeFile(script, await notebookCode(join(ROOT, "examples/notebooks", name)));
      try {
        const { stdout } = await run(TSX, [script]);
        for (const pattern of expected) expect(stdout).toMatch(pattern);
      } finally {
        await rm(script, { force: true });
      }
    },
    120_000,
  );
});
