import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Emulator, startEmulator } from "@sotaocr/emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, DATA, type Run, runCli, runOnTerminal } from "./run-cli.js";

let local: Emulator;
let synthetic: Emulator;
let slow: Emulator;
let out: string;

beforeAll(async () => {
  [local, synthetic, slow] = await Promise.all([
    startEmulator({ engine: "local" }),
    startEmulator({ engine: "synthetic" }),
    startEmulator({ engine: "synthetic", synthetic: { msPerPage: 1500, pageCount: 6 } }),
  ]);
  out = await mkdtemp(join(tmpdir(), "sotaocr-cli-"));
});
afterAll(async () => {
  await Promise.all([local?.close(), synthetic?.close(), slow?.close()]);
  await rm(out, { recursive: true, force: true });
});

/** Runs the built `sotaocr` with the emulator's URL and key in the environment. */
function sotaocr(args: string[], emulator?: Emulator, env: Record<string, string> = {}): Promise<Run> {
  return runCli(args, { env: { ...(emulator ? { SOTAOCR_BASE_URL: emulator.url, SOTAOCR_API_KEY: emulator.apiKey } : {}), ...env } });
}

/** The built `sotaocr` on a terminal, pointed at `emulator`: what the terminal showed. */
function onTerminal(args: string[], emulator: Emulator, env: Record<string, string> = {}): Promise<string> {
  return runOnTerminal(args, { env: { SOTAOCR_BASE_URL: emulator.url, SOTAOCR_API_KEY: emulator.apiKey, ...env } });
}

describe("sotaocr extract", () => {
  it("prints one file's markdown, page by page, with progress lines on stderr", async () => {
    const run = await sotaocr(["extract", "report.pdf"], local);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^<!-- page 1 -->\n\n# Quarterly/);
    expect(run.stdout).toContain("<!-- page 3 -->");
    expect(run.stderr).toMatch(/report\.pdf: queued\n/);
    expect(run.stderr).toMatch(/report\.pdf: completed 3\/3 pages \(job_\w+\)\n/);
    expect(run.stderr).toMatch(/report\.pdf: done: 3 pages\n/);
    expect(run.stderr).not.toContain("\u001b["); // no escape codes when not a terminal
  });

  it("writes <name>.<ext> per file into --out, globs expanded", async () => {
    const dir = join(out, "many");
    const run = await sotaocr(["extract", "*.{png,jpg}", "report.pdf", "--out", dir, "--format", "json", "--concurrency", "3"], synthetic);
    expect(run.code).toBe(0);
    expect((await readdir(dir)).sort()).toEqual(["page.jpg.json", "page.png.json", "report.json"]); // page.png and page.jpg share a name
    const report = JSON.parse(await readFile(join(dir, "report.json"), "utf8"));
    expect(report).toMatchObject({ source: "report.pdf", jobId: expect.stringMatching(/^job_/), pageCount: expect.any(Number) });
    expect(report.pages[0]).toMatchObject({ pageNumber: 1, markdown: expect.any(String), text: expect.any(String) });
  });

  it("--format text with --pages: only those pages, a form feed after each", async () => {
    const run = await sotaocr(["extract", "report.pdf", "--format", "text", "--pages", "2-3"], local);
    expect(run.code).toBe(0);
    const pages = run.stdout.split("\f").filter((page) => page.trim());
    expect(pages).toHaveLength(2);
    expect(pages[0]).toMatch(/^Solar Panel Maintenance/);
  });

  it("--cache: a second run of the same file uploads nothing and prints the same result", async () => {
    const cache = join(out, "cache");
    const first = await sotaocr(["extract", "page.png", "--cache", cache], synthetic);
    const uploads = synthetic.log.uploads().length;
    const second = await sotaocr(["extract", "page.png", "--cache", cache], synthetic);
    expect([first.code, second.code]).toEqual([0, 0]);
    expect(second.stdout).toBe(first.stdout);
    expect(synthetic.log.uploads()).toHaveLength(uploads);
  });

  it.each([
    [["extract", "report.pdf", "--format", "html"], /argument 'html' is invalid/],
    [["extract", "report.pdf", "--pages", "3-1"], /--pages: .*starts after it ends/],
    [["extract", "report.pdf", "--concurrency", "0"], /--concurrency must be a whole number/],
    [["extract", "report.pdf", "--timeout", "soon"], /--timeout must be a duration/],
    [["extract", "--bogus", "report.pdf"], /unknown option '--bogus'/],
    [["extract"], /missing required argument 'files'/],
    [["frobnicate"], /unknown command 'frobnicate'/],
    [[], /Usage: sotaocr \[options\] \[command\]/],
    [["jobs"], /Usage: sotaocr jobs/],
  ])("exits 2 on bad usage: %j", async (args, message) => {
    const uploadsBefore = synthetic.log.uploads().length;
    const run = await sotaocr(args, synthetic);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(synthetic.log.uploads()).toHaveLength(uploadsBefore);
  });

  it("exits 0 for --help on each command", async () => {
    for (const args of [
      ["--help"],
      ["extract", "--help"],
      ["balance", "--help"],
      ["info", "--help"],
      ["jobs", "get", "--help"],
      ["jobs", "result", "--help"],
      ["emulator", "--help"],
    ]) {
      const run = await sotaocr(args);
      expect([args, run.code]).toEqual([args, 0]);
      expect(run.stdout).toMatch(/^Usage: sotaocr/);
    }
  });

  it("draws one progress bar per file on a terminal; plain lines there when CI is set; red errors unless NO_COLOR", async () => {
    const dir = await mkdtemp(join(out, "tty-"));
    const bars = await onTerminal(["extract", "report.pdf", "page.png", "--out", dir], synthetic);
    expect(bars).toMatch(/\u2588{24} 3\/3 \| report\.pdf/); // a full bar for the 3 pages
    expect(bars).toMatch(/\u2588{24} 1\/1 \| page\.png/);
    expect(bars).not.toMatch(/report\.pdf: completed/);
    const lines = await onTerminal(["extract", "report.pdf", "--out", await mkdtemp(join(out, "ci-"))], synthetic, { CI: "true" });
    expect(lines).toMatch(/report\.pdf: completed 3\/3 pages \(job_/);
    expect(lines).not.toContain("\u2588");
    const red = await onTerminal(["balance", "--api-key", "wrong-key-123"], synthetic);
    expect(red).toContain("\u001b[31msotaocr:");
    const plain = await onTerminal(["balance", "--api-key", "wrong-key-123"], synthetic, { NO_COLOR: "1" });
    expect(plain).toMatch(/sotaocr:.*AuthenticationError/);
    expect(plain).not.toContain("\u001b[31m");
    expect(plain + red).not.toContain("wrong-key-123");
  });

  it("exits 1 with a one-line typed error for a missing file, a wrong key, no key", async () => {
    const missing = await sotaocr(["extract", "nope.pdf"], synthetic);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nope\.pdf: InvalidInputError: File not found: nope\.pdf/);
    expect(missing.stderr).not.toMatch(/\n\s+at /); // no stack
    expect(missing.stderr.trim().split("\n").at(-1)).toMatch(/^sotaocr: nope\.pdf: InvalidInputError: File not found/); // one line
    const wrongKey = await sotaocr(["extract", "page.png", "--api-key", "sk-wrong-0000"], synthetic);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toMatch(/AuthenticationError: SotaOCR answered 401/);
    expect(wrongKey.stderr).not.toContain("sk-wrong-0000");
    const noKey = await sotaocr(["balance"], undefined, { SOTAOCR_BASE_URL: synthetic.url });
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toMatch(/^sotaocr: MissingApiKeyError: .*SOTAOCR_API_KEY/);
    const verbose = await sotaocr(["balance", "--verbose"], undefined, { SOTAOCR_BASE_URL: synthetic.url });
    expect(verbose.stderr).toMatch(/\n\s+at /);
  });
});

describe("sotaocr balance, info, jobs", () => {
  it("shows the balance and the model profiles", async () => {
    const balance = await sotaocr(["balance"], synthetic);
    expect(balance).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Remaining pages: \d+/) });
    const json = await sotaocr(["balance", "--json"], synthetic);
    expect(JSON.parse(json.stdout)).toMatchObject({ remaining_pages: expect.any(Number) });
    const info = await sotaocr(["info"], synthetic);
    expect(info.stdout).toMatch(/standard\n.*fast\n.*accurate/s);
  });

  it("Ctrl-C stops waiting, names the jobs still running, and `jobs result` fetches one without uploading again", async () => {
    slow.log.clear();
    const child: ChildProcess = spawn(process.execPath, [BIN, "extract", "report.pdf"], {
      cwd: DATA,
      env: { PATH: process.env.PATH, SOTAOCR_BASE_URL: slow.url, SOTAOCR_API_KEY: slow.apiKey },
    });
    let stderr = "";
    let interrupted = false;
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      if (!interrupted && /running \d\/6 pages/.test(stderr)) {
        interrupted = true;
        child.kill("SIGINT");
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on("exit", (exitCode) => resolve(exitCode)));
    expect(code).toBe(130);
    const jobId = /sotaocr jobs result (job_\w+)/.exec(stderr)?.[1];
    expect(jobId).toBeDefined();

    // Ctrl-C while `jobs result` waits: the same advice, and the job is left alone.
    const waiting = spawn(process.execPath, [BIN, "jobs", "result", jobId as string], {
      cwd: DATA,
      env: { PATH: process.env.PATH, SOTAOCR_BASE_URL: slow.url, SOTAOCR_API_KEY: slow.apiKey },
    });
    let waitingStderr = "";
    waiting.stderr.on("data", (chunk: Buffer) => {
      waitingStderr += chunk.toString();
      if (!waiting.killed && /running \d\/6 pages/.test(waitingStderr)) waiting.kill("SIGINT"); // once
    });
    expect(await new Promise((resolve) => waiting.on("exit", resolve))).toBe(130);
    expect(waitingStderr).toContain(`Job ${jobId} keeps running on the server`);

    const status = await sotaocr(["jobs", "get", jobId as string], slow);
    expect(JSON.parse(status.stdout)).toMatchObject({ id: jobId, pageCount: 6 });
    const result = await sotaocr(["jobs", "result", jobId as string, "--format", "text"], slow);
    expect(result.code).toBe(0);
    expect(result.stdout.split("\f").filter((page) => page.trim())).toHaveLength(6);
    expect(slow.log.uploads()).toHaveLength(1);
  }, 30_000);
});

/** Runs the built `sotaocr` with `args` (an emulator command) until its start line names the URL. */
async function startCliEmulator(args: string[]): Promise<{ child: ChildProcess; stdout: string; url: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH } });
  let stdout = "";
  const url = await new Promise<string>((resolve) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /SOTAOCR_BASE_URL=(\S+)/.exec(stdout);
      if (match) resolve(match[1] as string);
    });
  });
  return { child, stdout, url };
}

describe("sotaocr emulator", () => {
  it("is the emulator's own command line: serves on the port it prints, and exits cleanly on SIGTERM", async () => {
    const { child, stdout, url } = await startCliEmulator(["emulator", "--port", "0", "--engine", "synthetic", "--quiet"]);
    expect(stdout).toMatch(/^sotaocr emulator \S+ listening on/);
    const balance = await sotaocr(["balance"], undefined, { SOTAOCR_BASE_URL: url, SOTAOCR_API_KEY: "sotaocr-emulator" });
    expect(balance.code).toBe(0);
    child.kill("SIGTERM");
    expect(await new Promise((resolve) => child.on("exit", resolve))).toBe(0);
  });

  it("takes every flag of the sotaocr-emulator bin, and refuses bad ones as it does (exit 2, before listening)", async () => {
    const help = await sotaocr(["emulator", "--help"]);
    expect(help.code).toBe(0);
    for (const flag of ["--result-shape", "--fault-rate-limit", "--max-connections", "--max-page-megapixels"])
      expect(help.stdout).toContain(flag);
    const blankHost = await sotaocr(["emulator", "--host", ""]);
    expect(blankHost.code).toBe(2);
    expect(blankHost.stderr).toContain("sotaocr emulator: --host must be a host name or IP address");
    expect(blankHost.stdout).not.toContain("listening");
  });

  it("makes a global --api-key before `emulator` the key it accepts, and hides it in what it prints", async () => {
    const key = "my-local-key-123";
    const { child, stdout, url } = await startCliEmulator([
      "--api-key",
      key,
      "emulator",
      "--port",
      "0",
      "--engine",
      "synthetic",
      "--quiet",
    ]);
    try {
      expect(stdout).not.toContain(key);
      expect((await sotaocr(["balance"], undefined, { SOTAOCR_BASE_URL: url, SOTAOCR_API_KEY: key })).code).toBe(0);
      expect((await sotaocr(["balance"], undefined, { SOTAOCR_BASE_URL: url, SOTAOCR_API_KEY: "sotaocr-emulator" })).code).not.toBe(0);
    } finally {
      child.kill("SIGTERM");
      await new Promise((resolve) => child.on("exit", resolve));
    }
  });
});
