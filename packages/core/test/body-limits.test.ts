import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { job, type Reply, type ScriptedServer, startScriptedServer } from "@sotaocr/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type APIError, InternalServerError, InvalidResponseError, SotaOcrClient } from "../src/index.js";

const MiB = 1024 * 1024;
const HUGE = 512 * MiB;
let server: ScriptedServer;
let dir: string;
/** Bytes each route's huge body handed to the socket before the client went away. */
const sent = new Map<string, number>();

beforeAll(async () => {
  server = await startScriptedServer();
  dir = await mkdtemp(join(tmpdir(), "sotaocr-body-limits-"));
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

/** A `bytes`-long answer that starts with `head`, sent 1 MiB at a time, counted in `sent` under `name`. */
function huge(name: string, options: { status?: number; head?: string; contentLength?: boolean; bytes?: number } = {}): Reply {
  const bytes = options.bytes ?? HUGE;
  const filler = Buffer.alloc(MiB, "a");
  return {
    status: options.status ?? 200,
    headers: { "content-type": "application/json", ...(options.contentLength && { "content-length": String(bytes) }) },
    stream: function* () {
      sent.set(name, 0);
      const head = Buffer.from(options.head ?? "");
      for (let offset = 0; offset < bytes; offset += MiB) {
        const chunk = offset === 0 ? Buffer.concat([head, filler.subarray(head.length)]) : filler;
        const part = chunk.subarray(0, Math.min(MiB, bytes - offset));
        sent.set(name, (sent.get(name) ?? 0) + part.length);
        yield part;
      }
    },
  };
}

const client = () => new SotaOcrClient({ apiKey: "sk-test", baseUrl: server.url, maxRetries: 0 });

describe("response bodies have size limits", () => {
  it("a job status past 1 MiB is a typed error, and the body is not read on", async () => {
    server.on("GET /v1/jobs/job_fat_status", huge("status"));
    const error = await client()
      .getJob("job_fat_status")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error).toMatchObject({ name: "ResponseTooLargeError", status: 200, limitBytes: MiB, jobId: "job_fat_status" });
    expect((error as Error).message).toMatch(/GET \/v1\/jobs\/job_fat_status answered 200 with a body over 1 MiB/);
    expect(sent.get("status")).toBeLessThan(32 * MiB);
  });

  it("a Content-Length past the limit is refused before reading", async () => {
    server.on("GET /v1/balance", huge("declared", { contentLength: true }));
    const error = await client()
      .getBalance()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "ResponseTooLargeError", status: 200, limitBytes: MiB });
    expect((error as Error).message).toMatch(/says 536870912 bytes/);
    expect(sent.get("declared")).toBeLessThan(32 * MiB);
  });

  it.each([
    ["chunked", false],
    ["with a Content-Length", true],
  ])("an error status with a huge body (%s) is the status's error, from the first 64 KiB", async (_, contentLength) => {
    server.on("GET /v1/balance", huge(`error ${contentLength}`, { status: 500, head: "upstream exploded: ", contentLength }));
    const error = await client()
      .getBalance()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InternalServerError);
    expect((error as APIError).serverMessage).toMatch(/^upstream exploded: a+$/);
    expect(sent.get(`error ${contentLength}`)).toBeLessThan(32 * MiB);
  });

  it("a result may be far larger than a status: 3 MiB of pages are read whole", async () => {
    const pages = Array.from({ length: 2000 }, (_, i) => ({ page_number: i + 1, markdown: "x".repeat(1700) }));
    server.on("GET /v1/jobs/job_long/result", { json: { page_count: 2000, pages } });
    const result = await client().getResult("job_long");
    expect(JSON.stringify(result.raw).length).toBeGreaterThan(3 * MiB);
    expect(result.pageCount).toBe(2000);
  });

  it("512 MiB answers (result, preview, status, error, upload; chunked or not) keep memory flat: peak RSS < 200 MB", async () => {
    server.on("GET /v1/jobs/job_m1", huge("m status", { contentLength: true }));
    server.on("GET /v1/jobs/job_m2/result", huge("m result"));
    server.on("GET /v1/jobs/job_m3/pages/1/preview", huge("m preview declared", { contentLength: true }));
    server.on("GET /v1/balance", huge("m error", { status: 500 }));
    server.on("POST /v1/extract", huge("m upload answer"));
    // Measured in a child process, so the test runner's own memory does not count.
    const script = join(dir, "huge.mjs");
    const core = pathToFileURL(join(import.meta.dirname, "../dist/index.js")).href;
    await writeFile(
      script,
      `import { SotaOcrClient } from ${JSON.stringify(core)};
       const client = new SotaOcrClient({ apiKey: "sk-test", baseUrl: process.argv[2], maxRetries: 0 });
       const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
       const calls = [
         () => client.getJob("job_m1"),
         () => client.getResult("job_m2"),
         () => client.getPagePreview("job_m3", 1),
         () => client.getBalance(),
         () => client.extract(png),
       ];
       const errors = [];
       for (const call of calls) errors.push(await call().then(() => "no error", (e) => \`\${e.name} \${e.status}\`));
       console.log(JSON.stringify({ errors, maxRssBytes: process.resourceUsage().maxRSS * 1024 }));`,
    );
    const { stdout } = await promisify(execFile)(process.execPath, [script, server.url], { timeout: 120_000 });
    const { errors, maxRssBytes } = JSON.parse(stdout) as { errors: string[]; maxRssBytes: number };
    expect(errors).toEqual([
      "ResponseTooLargeError 200",
      "ResponseTooLargeError 200",
      "ResponseTooLargeError 200",
      "InternalServerError 500",
      "ResponseTooLargeError 200",
    ]);
    expect(maxRssBytes).toBeLessThan(200 * 1000 * 1000);
    for (const name of ["m status", "m result", "m preview declared", "m error", "m upload answer"]) {
      expect(sent.get(name), name).toBeLessThan(128 * MiB);
    }
  }, 150_000);
});

describe("the limits apply per kind of answer", () => {
  it("a job status just under 1 MiB is read", async () => {
    server.on("GET /v1/jobs/job_padded", { json: { ...job("job_padded", "running").json, note: "n".repeat(MiB - 200) } });
    expect((await client().getJob("job_padded")).status).toBe("running");
  });
});
