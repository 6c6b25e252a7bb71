import { spawn } from "node:child_process";
import { chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Emulator, startEmulator } from "@sotaocr/emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, DATA, runCli } from "./run-cli.js";

// The files `extract` and `jobs result` write: never one that exists unless --force, never a
// half-written one, each named on stderr.
let emulator: Emulator;
let slow: Emulator;
let root: string;

beforeAll(async () => {
  [emulator, slow] = await Promise.all([
    startEmulator({ engine: "synthetic" }),
    startEmulator({ engine: "synthetic", synthetic: { msPerPage: 1000, pageCount: 3 } }),
  ]);
  root = await mkdtemp(join(tmpdir(), "sotaocr-cli-files-"));
});
afterAll(async () => {
  await Promise.all([emulator?.close(), slow?.close()]);
  await rm(root, { recursive: true, force: true });
});

/** A fresh folder holding copies of the named sample files (name → sample). */
async function folderWith(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(root, "run-"));
  for (const [name, sample] of Object.entries(files)) {
    await mkdir(join(dir, name, ".."), { recursive: true });
    await copyFile(join(DATA, sample), join(dir, name));
  }
  return dir;
}

const envFor = (server: Emulator) => ({ SOTAOCR_BASE_URL: server.url, SOTAOCR_API_KEY: server.apiKey });
const sotaocr = (args: string[], cwd: string, server = emulator) => runCli(args, { cwd, env: envFor(server) });

describe("sotaocr extract writes files", () => {
  it("without --out, leaves an existing report.md alone, uploads nothing, and names every file in the way", async () => {
    const dir = await folderWith({ "report.pdf": "report.pdf", "page.png": "page.png", "scan.jpg": "page.jpg" });
    await writeFile(join(dir, "report.md"), "my own notes\n");
    await writeFile(join(dir, "scan.md"), "more notes\n");
    const uploads = emulator.log.uploads().length;

    const run = await sotaocr(["extract", "report.pdf", "page.png", "scan.jpg"], dir);

    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/report\.md/);
    expect(run.stderr).toMatch(/scan\.md/);
    expect(run.stderr).toMatch(/--force/);
    expect(run.stderr).toMatch(/--out/);
    expect(await readFile(join(dir, "report.md"), "utf8")).toBe("my own notes\n");
    expect(await readFile(join(dir, "scan.md"), "utf8")).toBe("more notes\n");
    expect((await readdir(dir)).sort()).toEqual(["page.png", "report.md", "report.pdf", "scan.jpg", "scan.md"]); // page.md not written either
    expect(emulator.log.uploads()).toHaveLength(uploads); // nothing paid for that could not be written
  });

  it("--force replaces existing files, leaves no temporary file behind, and says on stderr which files it wrote", async () => {
    const dir = await folderWith({ "report.pdf": "report.pdf", "page.png": "page.png" });
    await writeFile(join(dir, "report.md"), "old\n");

    const run = await sotaocr(["extract", "report.pdf", "page.png", "--force"], dir);

    expect(run.code).toBe(0);
    expect(await readFile(join(dir, "report.md"), "utf8")).toMatch(/^<!-- page 1 -->/);
    expect((await readdir(dir)).sort()).toEqual(["page.md", "page.png", "report.md", "report.pdf"]);
    expect(run.stderr.split("\n")).toEqual(expect.arrayContaining(["wrote report.md", "wrote page.md"]));
    expect(run.stdout).toBe(""); // stdout stays clean for pipes
  });

  it("--force keeps the permissions of the file it replaces; a new file gets the usual ones", async () => {
    const dir = await folderWith({ "report.pdf": "report.pdf", "page.png": "page.png", "scan.jpg": "page.jpg" });
    await writeFile(join(dir, "report.md"), "private\n");
    await chmod(join(dir, "report.md"), 0o600);
    await writeFile(join(dir, "scan.md"), "shared\n");
    await chmod(join(dir, "scan.md"), 0o664);
    await writeFile(join(dir, "usual.md"), "");
    const usual = (await stat(join(dir, "usual.md"))).mode & 0o7777; // what a new file gets here (umask)

    const run = await sotaocr(["extract", "report.pdf", "page.png", "scan.jpg", "--force"], dir);

    expect(run.code).toBe(0);
    const modeOf = async (name: string) => (await stat(join(dir, name))).mode & 0o7777;
    expect(await readFile(join(dir, "report.md"), "utf8")).toMatch(/^<!-- page 1 -->/);
    expect(await modeOf("report.md")).toBe(0o600);
    expect(await modeOf("scan.md")).toBe(0o664);
    expect(await modeOf("page.md")).toBe(usual);
  });

  it("names each written file with its --out folder, and two inputs with one name get two files", async () => {
    const dir = await folderWith({ "a/report.pdf": "report.pdf", "b/report.pdf": "report.pdf", "Report.png": "page.png" });

    const run = await sotaocr(["extract", "a/report.pdf", "b/report.pdf", "Report.png", "--out", "results"], dir);

    expect(run.code).toBe(0);
    const written = await readdir(join(dir, "results"));
    // Distinct even ignoring case, so they cannot replace each other on macOS or Windows either.
    expect(new Set(written.map((name) => name.toLowerCase())).size).toBe(3);
    for (const name of written) expect(run.stderr.split("\n")).toContain(`wrote ${join("results", name)}`);
  });

  it("inputs that share a name keep what tells them apart: their extension (page.png.md), then their folder (a-report.pdf.md)", async () => {
    const dir = await folderWith({
      "page.png": "page.png",
      "page.jpg": "page.jpg",
      "a/report.pdf": "report.pdf",
      "b/report.pdf": "report.pdf",
      "Report.png": "page.png",
      "notes.pdf": "report.pdf",
    });

    const run = await sotaocr(
      ["extract", "page.png", "page.jpg", "a/report.pdf", "b/report.pdf", "Report.png", "notes.pdf", "--out", "out"],
      dir,
    );

    expect(run.code).toBe(0);
    // A name alone when it is unique; repeats never get a number that reads like a page ("page-2.md").
    expect((await readdir(join(dir, "out"))).sort()).toEqual([
      "Report.png.md",
      "a-report.pdf.md",
      "b-report.pdf.md",
      "notes.md",
      "page.jpg.md",
      "page.png.md",
    ]);
    // The same file named twice is OCR'd (and billed) once.
    const uploads = emulator.log.uploads().length;
    const twice = await sotaocr(["extract", "notes.pdf", "./notes.pdf", "--out", "twice"], dir);
    expect(twice.code).toBe(0);
    expect(await readdir(join(dir, "twice"))).toEqual(["notes.md"]);
    expect(emulator.log.uploads().length - uploads).toBe(1);
  });

  it("a file that appears while the job runs is not replaced, and the error says how to fetch the result without paying again", async () => {
    const dir = await folderWith({ "report.pdf": "report.pdf", "page.png": "page.png" });
    const child = spawn(process.execPath, [BIN, "extract", "report.pdf", "page.png"], {
      cwd: dir,
      env: { PATH: process.env.PATH, ...envFor(slow) },
    });
    let stderr = "";
    let created = false;
    child.stderr.on("data", async (chunk: Buffer) => {
      stderr += chunk.toString();
      // The job needs at least one more poll (≥ 1 s) to finish: the file is there before the result.
      if (!created && /report\.pdf: running/.test(stderr)) {
        created = true;
        await writeFile(join(dir, "report.md"), "written meanwhile\n");
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));

    expect(created).toBe(true);
    expect(code).toBe(1);
    expect(await readFile(join(dir, "report.md"), "utf8")).toBe("written meanwhile\n");
    expect(await readFile(join(dir, "page.md"), "utf8")).toMatch(/^<!-- page 1 -->/); // the other file is still written
    expect(stderr.split("\n")).toContain("wrote page.md");
    const jobId = /report\.md.*sotaocr jobs result (job_\w+)/.exec(stderr)?.[1];
    expect(jobId).toBeDefined();
    const uploads = slow.log.uploads().length;
    const fetched = await sotaocr(["jobs", "result", jobId as string, "--out", "report-ocr.md"], dir, slow);
    expect(fetched.code).toBe(0);
    expect(await readFile(join(dir, "report-ocr.md"), "utf8")).toMatch(/^<!-- page 1 -->/);
    expect(slow.log.uploads()).toHaveLength(uploads);
  }, 30_000);

  it("refuses an --out that is a file, before uploading", async () => {
    const dir = await folderWith({ "report.pdf": "report.pdf" });
    await writeFile(join(dir, "results"), "a file\n");
    const uploads = emulator.log.uploads().length;

    const run = await sotaocr(["extract", "report.pdf", "--out", "results"], dir);

    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--out.*results.*not a folder/);
    expect(await readFile(join(dir, "results"), "utf8")).toBe("a file\n");
    expect(emulator.log.uploads()).toHaveLength(uploads);
  });
});

describe("sotaocr jobs result --out", () => {
  it("leaves an existing file alone unless --force, then replaces it and says so", async () => {
    const dir = await folderWith({ "page.png": "page.png" });
    const first = await sotaocr(["extract", "page.png"], dir);
    const jobId = /\((job_\w+)\)/.exec(first.stderr)?.[1] as string;
    expect(jobId).toBeDefined();
    await writeFile(join(dir, "page.md"), "mine\n");

    const refused = await sotaocr(["jobs", "result", jobId, "--out", "page.md"], dir);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/page\.md.*--force/);
    expect(await readFile(join(dir, "page.md"), "utf8")).toBe("mine\n");

    const forced = await sotaocr(["jobs", "result", jobId, "--out", "page.md", "--force"], dir);
    expect(forced.code).toBe(0);
    expect(forced.stderr.split("\n")).toContain("wrote page.md");
    expect(await readFile(join(dir, "page.md"), "utf8")).toBe(first.stdout);
    expect((await readdir(dir)).sort()).toEqual(["page.md", "page.png"]);
  });
});
