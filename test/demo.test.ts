import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const ROOT = new URL("..", import.meta.url).pathname;

describe("pnpm demo", () => {
  it("works with no network at all (loopback only) and no key: emulator in-process, one Document per page", async () => {
    // A new network namespace with only loopback up: any attempt to reach the internet fails.
    const { stdout } = await promisify(execFile)("unshare", ["-n", "sh", "-c", "ip link set lo up && pnpm demo"], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", CI: "true" },
      // 30 s alone; 77 s measured beside the engine-corpus test on a loaded 2-core machine.
      timeout: 170_000,
    });
    expect(stdout).toMatch(/No SOTAOCR_API_KEY: using the local emulator at http:\/\/127\.0\.0\.1:\d+/);
    // Every sample: a text PDF, its scanned copy, a mixed PDF, a PNG and a JPEG.
    expect(stdout).toMatch(/report\.pdf: completed 3\/3 pages/);
    expect(stdout).toMatch(/13 Documents \(one per page\)/);
    expect(stdout).toMatch(/ report\.pdf p\.2\/3 +\d+ chars {2}# Solar Panel Maintenance/);
    expect(stdout).toMatch(/report-scanned\.pdf p\.3\/3 +\d+ chars {2}# Hiking Trail Guide/);
    expect(stdout).toMatch(/mixed\.pdf p\.4\/4 +\d+ chars {2}# Bicycle Safety Checklist/);
    expect(stdout).toMatch(/page\.png p\.1\/1 +\d+ chars {2}# Corner Bakery/);
    expect(stdout).toMatch(/page\.jpg p\.1\/1 +\d+ chars {2}# Memo: Office Move/);
    expect(stdout).toMatch(/"pageNumber": 1/);
  }, 180_000);

  it("on a scanned two-column paper, prints each paragraph's opening: the left column's, then the right's", async () => {
    // LaTeX News 30, page 2, as an image-only PDF (test/fixtures/engine-corpus/README.md).
    const { stdout } = await promisify(execFile)("pnpm", ["demo", "test/fixtures/engine-corpus/two-column-scan.pdf"], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", CI: "true" },
      timeout: 170_000,
    });
    expect(stdout).toMatch(/two-column-scan\.pdf p\.1\/1 +\d+ chars {2}Details please/);
    // Headings and paragraphs down the left column, then down the right; glued columns would put
    // the right column's first heading next to the page's first line.
    const left = ["Setting up menu items", "Improving Unicode handling in pdf", "or use accented characters"];
    const right = ["Improving file name handling in pdf", "Improving the filecontents environment", "Making more user commands robust"];
    const at = [...left, ...right].map((opening) => stdout.indexOf(opening));
    expect(at, "every opening printed").not.toContain(-1);
    expect(at).toEqual([...at].sort((a, b) => a - b));
  }, 180_000);

  it("prints none of tesseract's own notes on a noisy scan (its weak-orientation warning, resolution guesses)", async () => {
    // LaTeX News 35, page 2, degraded: tesseract notes a weak orientation margin on it.
    const { stdout, stderr } = await promisify(execFile)("pnpm", ["demo", "test/fixtures/engine-corpus/two-column-degraded.jpg"], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", CI: "true" },
      timeout: 170_000,
    });
    expect(stdout).toMatch(/two-column-degraded\.jpg p\.1\/1 +\d+ chars/);
    expect(`${stdout}\n${stderr}`).not.toMatch(/OSD:|Weak margin|Estimating resolution|Empty page|Too few characters/);
  }, 180_000);
});
