// `sotaocr inspect` without a browser: its errors, the local server's rules, and jobs read by id.

import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SotaOcrClient } from "@sotaocr/core";
import { type Emulator, startEmulator } from "@sotaocr/emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startInspector } from "./inspect-server.js";
import { DATA, runCli } from "./run-cli.js";

const KEY = "sk-inspect-cli-5be1d9";
let emulator: Emulator;
let dir: string;
const env = () => ({ SOTAOCR_BASE_URL: emulator.url, SOTAOCR_API_KEY: KEY });

beforeAll(async () => {
  emulator = await startEmulator({ engine: "synthetic", apiKeys: [KEY] });
  dir = await mkdtemp(join(tmpdir(), "sotaocr-inspect-"));
});
afterAll(async () => {
  await emulator?.close();
  await rm(dir, { recursive: true, force: true });
});

/** A GET with a chosen Host header (fetch does not let one set it). */
function get(url: string, host?: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: host ? { host } : {} }, (response) => {
      let body = "";
      response.setEncoding("latin1");
      response.on("data", (chunk) => {
        body += chunk;
      });
      response.on("end", () => resolve({ status: response.statusCode ?? 0, type: String(response.headers["content-type"]), body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("sotaocr inspect", () => {
  it("refuses an existing --out file before uploading anything, unless --force", async () => {
    const out = join(dir, "exists.html");
    await writeFile(out, "mine");
    const uploads = emulator.log.uploads().length;
    const run = await runCli(["inspect", "page.png", "--out", out], { env: env() });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`OutputExistsError: ${out} already exists. Nothing was uploaded. Pass --force`);
    expect(emulator.log.uploads()).toHaveLength(uploads);
    expect(await readFile(out, "utf8")).toBe("mine");
    const forced = await runCli(["inspect", "page.png", "--out", out, "--force"], { env: env() });
    expect(forced.code).toBe(0);
    expect(await readFile(out, "utf8")).toMatch(/^<!doctype html>/);
  });

  it.each([
    [["--port", "http"], /--port must be a port number/],
    [["--out", "x.html", "--open"], /--out writes a file and serves nothing/],
    [["--pages", "3-1"], /--pages: .*starts after it ends/],
    [["--timeout", "soon"], /--timeout must be a duration/],
  ])("bad usage %j: exit 2 and why", async (args, message) => {
    const run = await runCli(["inspect", "page.png", ...args], { env: env() });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it("reads a finished job by id (no upload), and says so clearly when the job is unknown", async () => {
    const client = new SotaOcrClient({ baseUrl: emulator.url, apiKey: KEY });
    const { jobId } = await client.ocr(join(DATA, "page.png"));
    const uploads = emulator.log.uploads().length;
    const out = join(dir, "job.html");
    const run = await runCli(["inspect", jobId, "--out", out], { env: env() });
    expect(run.code).toBe(0);
    expect(emulator.log.uploads()).toHaveLength(uploads);
    expect(await readFile(out, "utf8")).toContain(`"jobId":"${jobId}"`);

    const unknown = await runCli(["inspect", "job_doesnotexist"], { env: env() });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/NotFoundError: SotaOCR answered 404.*job job_doesnotexist is not known/);
    expect(unknown.stderr).not.toContain(KEY);
  });

  it("serves on 127.0.0.1 only: the page, each page's image fetched once, nothing for another Host; the key in none of it", async () => {
    const inspector = await startInspector(["page.png"], env());
    try {
      expect(inspector.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const page = await get(inspector.url);
      expect([page.status, page.type]).toEqual([200, "text/html; charset=utf-8"]);
      const previews = () => emulator.log.entries.filter((entry) => entry.route === "preview").length;
      const before = previews();
      const image = await get(`${inspector.url}preview/0`);
      const again = await get(`${inspector.url}preview/0`);
      expect([image.status, image.type, again.body === image.body]).toEqual([200, "image/png", true]);
      expect(previews()).toBe(before + 1);
      expect((await get(`${inspector.url}preview/7`)).status).toBe(404);
      const rebound = await get(inspector.url, "evil.example:80");
      expect(rebound.status).toBe(403);
      for (const body of [page.body, image.body, rebound.body, inspector.stderr()]) expect(body).not.toContain(KEY);
    } finally {
      expect(await inspector.stop()).toBe(0);
    }
  });
});
