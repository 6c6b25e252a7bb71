import { spawn } from "node:child_process";
import { appendFile, copyFile, mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Emulator, startEmulator } from "@sotaocr/emulator";
import { type HoldingProxy, job, type ScriptedServer, startHoldingProxy, startScriptedServer } from "@sotaocr/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, DATA, type Run, runCli } from "./run-cli.js";

// Errors come from @sotaocr/core, whose messages speak to programmers (`client.waitForJob(...)`,
// `pass { apiKey }`, `idempotencyKey`). The CLI says what to do with its own commands and flags.
let server: ScriptedServer;
let root: string;

beforeAll(async () => {
  server = await startScriptedServer();
  root = await mkdtemp(join(tmpdir(), "sotaocr-cli-errors-"));
});
afterAll(async () => {
  await server?.close();
  await rm(root, { recursive: true, force: true });
});

/** Words of the library's API that mean nothing on a command line. */
const LIBRARY_WORDS = [
  "waitForJob",
  "getResult",
  "getPages",
  "getBalance",
  "client.",
  "{ apiKey }",
  "apiKey option",
  "baseUrl",
  "timeoutMs",
  "idempotencyKey",
  "retryAmbiguousUploads",
  "pageRanges",
  "npx sotaocr-emulator",
];

/** The words of LIBRARY_WORDS that `text` uses (none, for a CLI message). */
const libraryWordsIn = (text: string) => LIBRARY_WORDS.filter((word) => text.includes(word));

/** Runs the built CLI against the scripted server (or `url`), with `key` in SOTAOCR_API_KEY unless it is undefined. */
function sotaocr(args: string[], { key = "sk-test-123", url = server.url, cwd = DATA }: { key?: string; url?: string; cwd?: string } = {}) {
  return runCli(args, { cwd, env: { SOTAOCR_BASE_URL: url, ...(key === undefined ? {} : { SOTAOCR_API_KEY: key }) } });
}

/** The last line on stderr: the error. */
const lastLine = (run: Run) => run.stderr.trim().split("\n").at(-1) ?? "";

describe("the API key", () => {
  it("none: says --api-key or SOTAOCR_API_KEY, and `sotaocr emulator` for offline work", async () => {
    const run = await runCli(["balance"], { env: { SOTAOCR_BASE_URL: server.url } });
    expect(run.code).toBe(1);
    expect(lastLine(run)).toMatch(/^sotaocr: MissingApiKeyError: No API key: pass --api-key <key> or set SOTAOCR_API_KEY/);
    expect(lastLine(run)).toContain("sotaocr emulator");
    expect(libraryWordsIn(run.stderr)).toEqual([]);
  });

  it("not a key (a space in it): says which flag or variable holds it", async () => {
    const run = await runCli(["balance", "--api-key", "sk abc def"], { env: { SOTAOCR_BASE_URL: server.url } });
    expect(run.code).toBe(1);
    expect(lastLine(run)).toMatch(/MissingApiKeyError: The API key given with --api-key is not an API key: it has spaces/);
    expect(libraryWordsIn(run.stderr)).toEqual([]);
  });

  it("refused (401): keeps the server's code and message, and names where the key came from", async () => {
    server.on("GET /v1/balance", { status: 401, json: { error: { code: "invalid_api_key", message: "Unknown key." } } });
    const fromEnv = await sotaocr(["balance"]);
    expect(fromEnv.code).toBe(1);
    expect(lastLine(fromEnv)).toMatch(
      /^sotaocr: AuthenticationError: SotaOCR answered 401 \(invalid_api_key: Unknown key\.\): the API key in SOTAOCR_API_KEY was refused/,
    );
    const fromFlag = await sotaocr(["balance", "--api-key", "sk-other-456"]);
    expect(lastLine(fromFlag)).toMatch(/the API key given with --api-key was refused/);
    expect(libraryWordsIn(fromEnv.stderr + fromFlag.stderr)).toEqual([]);
  });
});

describe("the account's balance", () => {
  it("402 on upload: `sotaocr balance`, and the next files are not uploaded", async () => {
    server.on("POST /v1/extract", {
      status: 402,
      json: { error: { code: "insufficient_balance", message: "No pages left." } },
    });
    const uploads = server.requestsTo("POST /v1/extract").length;
    const run = await sotaocr(["extract", "page.png", "report.pdf", "--out", await mkdtemp(join(root, "balance-")), "--concurrency", "1"]);
    expect(run.code).toBe(1);
    expect(server.requestsTo("POST /v1/extract").length - uploads).toBe(1);
    expect(run.stderr).toMatch(
      /page\.png: InsufficientBalanceError: SotaOCR answered 402 \(insufficient_balance: No pages left\.\): .*no job was created.*`sotaocr balance`/,
    );
    expect(run.stderr).toMatch(/report\.pdf: InsufficientBalanceError: Not uploaded: .*`sotaocr balance`/);
    expect(libraryWordsIn(run.stderr)).toEqual([]);
  });
});

describe("a job that fails", () => {
  it("names the server's reason and the CLI's way out (--pages, `sotaocr balance`, the command to run again)", async () => {
    const failing = (id: string, code: string, message: string) => {
      server.on(`GET /v1/jobs/${id}`, job(id, "failed", 1, 0, { error: { code, message } }));
      return job(id, "pending", 1, 0);
    };
    server.on(
      "POST /v1/extract",
      failing("job_range", "page_range_out_of_bounds", "Page 9 is past the end."),
      failing("job_money", "insufficient_balance", "Out of pages."),
      failing("job_other", "engine_crashed", "Oops."),
    );
    const range = await sotaocr(["extract", "page.png", "--pages", "9"]);
    expect(lastLine(range)).toMatch(
      /^sotaocr: page\.png: JobFailedError: Job job_range ended as "failed" \(page_range_out_of_bounds: Page 9 is past the end\.\)\. .*--pages/,
    );
    const money = await sotaocr(["extract", "page.png"]);
    expect(lastLine(money)).toMatch(
      /JobFailedError: Job job_money ended as "failed" \(insufficient_balance: Out of pages\.\)\. .*`sotaocr balance`/,
    );
    const other = await sotaocr(["extract", "page.png", "--format", "text"]);
    expect(lastLine(other)).toMatch(
      /JobFailedError: Job job_other ended as "failed" \(engine_crashed: Oops\.\)\. .*`sotaocr extract page\.png --format text`/,
    );
    expect(libraryWordsIn(range.stderr + money.stderr + other.stderr)).toEqual([]);
  });
});

describe("waiting for a job", () => {
  it("--timeout: names the job and the `sotaocr jobs result` command, with the run's --pages and --format", async () => {
    server.on("POST /v1/extract", job("job_slow", "pending", 2, 0)).on("GET /v1/jobs/job_slow", job("job_slow", "running", 2, 0));
    const run = await sotaocr(["extract", "report.pdf", "--pages", "2-3", "--format", "text", "--timeout", "2s"]);
    expect(run.code).toBe(1);
    expect(lastLine(run)).toMatch(/^sotaocr: report\.pdf: TimeoutError: Job job_slow did not finish within 2s \(--timeout\)/);
    expect(lastLine(run)).toContain("`sotaocr jobs result job_slow --format text --pages 2-3`");
    const again = await sotaocr(["jobs", "result", "job_slow", "--pages", "2-3", "--timeout", "1s"]);
    expect(again.code).toBe(1);
    expect(lastLine(again)).toMatch(/^sotaocr: TimeoutError: Job job_slow did not finish within 1s \(--timeout\)/);
    expect(lastLine(again)).toContain("`sotaocr jobs result job_slow --pages 2-3`");
    expect(libraryWordsIn(run.stderr + again.stderr)).toEqual([]);
  });

  it("Ctrl-C: the command for each job still running repeats --format, --pages and the file --out would have had", async () => {
    server.on("POST /v1/extract", job("job_ctrlc", "pending", 2, 0)).on("GET /v1/jobs/job_ctrlc", job("job_ctrlc", "running", 2, 1));
    const out = await mkdtemp(join(root, "ctrl-c-"));
    const child = spawn(process.execPath, [BIN, "extract", "report.pdf", "--pages", "2-3", "--format", "json", "--out", out], {
      cwd: DATA,
      env: { PATH: process.env.PATH, SOTAOCR_BASE_URL: server.url, SOTAOCR_API_KEY: "sk-test-123" },
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      if (!child.killed && /running/.test(stderr)) child.kill("SIGINT");
    });
    expect(await new Promise((resolve) => child.on("exit", resolve))).toBe(130);
    expect(stderr).toContain(`sotaocr jobs result job_ctrlc --format json --pages 2-3 --out ${join(out, "report.json")}`);
    expect(libraryWordsIn(stderr)).toEqual([]);
  });
});

describe("an upload whose outcome is unknown", () => {
  it("the connection dropped after the whole file was sent: says a job may exist, and with --cache a rerun sends the same Idempotency-Key", async () => {
    const cache = await mkdtemp(join(root, "cache-"));
    server
      .on("POST /v1/extract", "reset-after-body", job("job_amb", "pending", 1, 0))
      .on("GET /v1/jobs/job_amb", job("job_amb", "completed", 1, 1))
      .on("GET /v1/jobs/job_amb/result", { json: { job_id: "job_amb", page_count: 1, pages: [{ page_number: 1, markdown: "# One" }] } });
    const before = server.requestsTo("POST /v1/extract").length;

    const plain = await sotaocr(["extract", "page.png"]);
    expect(plain.code).toBe(1);
    expect(lastLine(plain)).toMatch(/^sotaocr: page\.png: APIConnectionError: .*may have created a job/);
    expect(lastLine(plain)).toMatch(/`sotaocr balance`/);
    expect(lastLine(plain)).toMatch(/--cache/);

    server.on("POST /v1/extract", "reset-after-body", job("job_amb", "pending", 1, 0));
    const first = await sotaocr(["extract", "page.png", "--cache", cache]);
    expect(lastLine(first)).toMatch(
      /may have created a job.*Run the same command again: --cache sends the upload again with the same Idempotency-Key/,
    );
    const second = await sotaocr(["extract", "page.png", "--cache", cache]);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain("# One");
    const [, cachedFirst, cachedSecond] = server.requestsTo("POST /v1/extract").slice(before);
    expect(cachedSecond?.headers["idempotency-key"]).toBe(cachedFirst?.headers["idempotency-key"]);

    server.on("POST /v1/extract", { status: 500, json: { error: { code: "internal", message: "Boom." } } });
    const serverError = await sotaocr(["extract", "page.png"]);
    expect(lastLine(serverError)).toMatch(
      /InternalServerError: SotaOCR answered 500 \(internal: Boom\.\) after the whole file was sent\. SotaOCR may have created a job/,
    );
    expect(libraryWordsIn(plain.stderr + first.stderr + second.stderr + serverError.stderr)).toEqual([]);
  });
});

describe("the service's address", () => {
  it("a redirect: says where it pointed and which flag or variable to change", async () => {
    server.on("GET /v1/balance", { status: 301, headers: { location: "https://api.example.test/v1/balance" } });
    const fromEnv = await sotaocr(["balance"]);
    expect(fromEnv.code).toBe(1);
    expect(lastLine(fromEnv)).toMatch(/^sotaocr: RedirectError: .*https:\/\/api\.example\.test\/v1\/balance/);
    expect(lastLine(fromEnv)).toContain("set SOTAOCR_BASE_URL=https://api.example.test");
    const fromFlag = await runCli(["balance", "--base-url", server.url], { env: { SOTAOCR_API_KEY: "sk-test-123" } });
    expect(lastLine(fromFlag)).toContain("pass --base-url https://api.example.test");
    expect(libraryWordsIn(fromEnv.stderr + fromFlag.stderr)).toEqual([]);
  });

  it("a web page instead of the API, or nothing listening: says to check --base-url / SOTAOCR_BASE_URL", async () => {
    server.on("GET /v1/balance", { status: 404, body: "<html>Not here</html>", headers: { "content-type": "text/html" } });
    const page = await sotaocr(["balance"]);
    expect(lastLine(page)).toMatch(/^sotaocr: NotFoundError: SotaOCR answered 404: .*web page.*--base-url \/ SOTAOCR_BASE_URL/);
    const nothing = await sotaocr(["balance"], { url: "http://127.0.0.1:9" });
    expect(lastLine(nothing)).toMatch(
      /^sotaocr: APIConnectionError: Could not reach SotaOCR at http:\/\/127\.0\.0\.1:9\/? .*--base-url \/ SOTAOCR_BASE_URL/,
    );
    expect(libraryWordsIn(page.stderr + nothing.stderr)).toEqual([]);
  });
});

describe("a service URL that is not one", () => {
  it("is bad usage, naming the flag or the variable it came from", async () => {
    const flag = await runCli(["balance", "--base-url", "api.sotaocr.com"], { env: { SOTAOCR_API_KEY: "sk-test-123" } });
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/^sotaocr: --base-url must be an http\(s\) URL, .*not "api\.sotaocr\.com"/);
    const variable = await sotaocr(["extract", "page.png"], { url: "ftp://example.test" });
    expect(variable.code).toBe(2);
    expect(variable.stderr).toMatch(/^sotaocr: SOTAOCR_BASE_URL must be an http\(s\) URL/);
    expect(libraryWordsIn(flag.stderr + variable.stderr)).toEqual([]);
  });
});

describe("a file that changes while it is uploaded", () => {
  let emulator: Emulator;
  let proxy: HoldingProxy;
  beforeAll(async () => {
    emulator = await startEmulator({ engine: "synthetic" });
    proxy = await startHoldingProxy(emulator.url, { holdAfterBytes: 1024 * 1024 });
  });
  afterAll(async () => {
    await Promise.all([proxy?.close(), emulator?.close()]);
  });

  it("says no job was created, and the command that runs that file again", async () => {
    const dir = await mkdtemp(join(root, "changed-"));
    const file = await open(join(dir, "big scan.pdf"), "w"); // sparse: real bytes to send, no disk space
    await file.write("%PDF-1.7\n", 0);
    await file.write("\n%%EOF\n", 64 * 1024 * 1024 - 7);
    await file.close();
    await copyFile(join(DATA, "page.png"), join(dir, "page.png"));
    const running = sotaocr(["extract", "big scan.pdf", "page.png", "--out", "results"], {
      url: proxy.url,
      key: emulator.apiKey,
      cwd: dir,
    });
    const release = await proxy.held();
    await appendFile(join(dir, "big scan.pdf"), "more\n");
    release();
    const run = await running;

    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /big scan\.pdf: FileChangedError: big scan\.pdf changed while it was being read to be sent \(its size went from/,
    );
    expect(run.stderr).toMatch(/no job was created.* `sotaocr extract 'big scan\.pdf' --out results`/);
    expect(run.stderr.split("\n")).toContain(`wrote ${join("results", "page.md")}`); // the other file is done
    expect(emulator.log.uploads().filter((entry) => entry.jobId !== undefined)).toHaveLength(1); // page.png's job only
    expect(libraryWordsIn(run.stderr)).toEqual([]);
  }, 60_000);
});
