import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Emulator, startEmulator } from "@sotaocr/emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATA, runOnTerminal } from "./run-cli.js";

// On a terminal, each file's bar is one line that fits the terminal: wider terminals show more of
// the name and status, narrow ones shorten the name (keeping its end) before anything else, and the
// page counts are never cut.
let emulator: Emulator;
let dir: string;
const LONG = "quarterly-report-northern-region-2024-final.pdf"; // 47 characters

beforeAll(async () => {
  emulator = await startEmulator({ engine: "synthetic" });
  dir = await mkdtemp(join(tmpdir(), "sotaocr-cli-bars-"));
  await copyFile(join(DATA, "report.pdf"), join(dir, LONG));
  await copyFile(join(DATA, "page.png"), join(dir, "p.png"));
});
afterAll(async () => {
  await emulator?.close();
  await rm(dir, { recursive: true, force: true });
});

/** The bar lines the terminal was sent, in order: the text between escape codes (cursor moves among them) and line ends. */
async function barLines(columns: number, out: string): Promise<string[]> {
  const shown = await runOnTerminal(["extract", LONG, "p.png", "--out", out], {
    cwd: dir,
    columns,
    env: { SOTAOCR_BASE_URL: emulator.url, SOTAOCR_API_KEY: emulator.apiKey },
  });
  expect(shown).toContain(`wrote ${join(out, "p.md")}`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: escape codes are what it splits on
  return shown.split(/\u001b\[[0-9;?]*[A-Za-z]|\r?\n|\r/).filter((line) => /[\u2588\u2591]/.test(line));
}

/** The last line drawn for a file: its final state. */
const lastFor = (lines: string[], mark: RegExp) => lines.filter((line) => mark.test(line)).at(-1) ?? "";
const width = (line: string) => [...line].length;

describe("progress bars on a terminal", () => {
  it("use a wide terminal's width: 120 columns show the whole name and more of the status, never past the edge", async () => {
    const lines = await barLines(120, "wide");
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect([line, width(line) < 120]).toEqual([line, true]);
    const long = lastFor(lines, /3\/3/);
    expect(long).toContain(` 3/3 | ${LONG} `);
    expect(width(long)).toBeGreaterThan(100); // not cut at 80
    expect(long).toMatch(/\| done: 3 pages → .*\.md$/);
    expect(lastFor(lines, /1\/1/)).toMatch(/\u2588+ 1\/1 \| p\.png +\| done: 1 page → wide\/p\.md$/); // names in one column
  });

  it("on 60 columns, shorten the name, keeping its end, and never the page counts", async () => {
    const lines = await barLines(60, "narrow");
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect([line, width(line) < 60]).toEqual([line, true]);
    const long = lastFor(lines, /3\/3/);
    expect(long).toMatch(/\u2588+ 3\/3 \| quar\S*…\S*final\.pdf \| done/);
    expect(lastFor(lines, /1\/1/)).toMatch(/\u2588+ 1\/1 \| p\.png +\| done/);
  });
});
