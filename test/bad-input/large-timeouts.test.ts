import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SotaOcrLoader } from "@sotaocr/langchain";
import { SotaOcrReader } from "@sotaocr/llamaindex";
import { job, makePdf, type ScriptedServer, startScriptedServer } from "@sotaocr/test-support";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

// The loaders' timeoutMs: Node runs a timer of 2^31 ms or more (or Infinity) after 1 ms, so such
// values must mean "no limit", for the OCR and for the reader's URL downloads alike.
const TOO_BIG_FOR_A_TIMER = 2 ** 31;

let server: ScriptedServer;
let dir: string;
const pdf = makePdf(["one"]);
const warnings: string[] = [];
const onWarning = (warning: Error) => warnings.push(warning.name);

beforeAll(async () => {
  server = await startScriptedServer();
  dir = await mkdtemp(join(tmpdir(), "sotaocr-large-timeouts-"));
  await writeFile(join(dir, "a.pdf"), pdf);
  // Every answer comes a little late: a 1 ms timer would fire first.
  server.on("POST /v1/extract", { ...job("job_lt", "pending"), delayMs: 40 });
  server.on("GET /v1/jobs/job_lt", { ...job("job_lt", "completed", 1, 1), delayMs: 40 });
  server.on("GET /v1/jobs/job_lt/result", { json: { page_count: 1, pages: [{ page_number: 1, markdown: "one" }] }, delayMs: 40 });
  server.on("GET /files/a.pdf", { body: Buffer.from(pdf), headers: { "content-type": "application/pdf" }, delayMs: 40 });
  process.on("warning", onWarning);
});
afterAll(async () => {
  process.off("warning", onWarning);
  await server.close();
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  const overflows = warnings.splice(0).filter((name) => name === "TimeoutOverflowWarning");
  expect(overflows, "no timer may be given a delay Node cuts to 1 ms").toEqual([]);
});

const options = () => ({ apiKey: "sk-test", baseUrl: server.url, maxRetries: 0 });

describe("the loaders' timeoutMs of 2^31 ms or Infinity means no limit", () => {
  it.each([TOO_BIG_FOR_A_TIMER, Number.POSITIVE_INFINITY])("SotaOcrLoader, timeoutMs %s", async (timeoutMs) => {
    const docs = await new SotaOcrLoader(join(dir, "a.pdf"), { ...options(), timeoutMs }).load();
    expect(docs.map((doc) => doc.pageContent)).toEqual(["one"]);
  });

  it.each([TOO_BIG_FOR_A_TIMER, Number.POSITIVE_INFINITY])("SotaOcrReader, timeoutMs %s: a path and a URL download", async (timeoutMs) => {
    const reader = new SotaOcrReader({ ...options(), timeoutMs });
    expect((await reader.loadData(join(dir, "a.pdf"))).map((doc) => doc.text)).toEqual(["one"]);
    expect((await reader.loadData(`${server.url}/files/a.pdf`)).map((doc) => doc.text)).toEqual(["one"]);
    expect(reader.failures).toEqual([]);
  });

  it.each([Number.NaN, -1, 0])("a timeoutMs of %s is refused when the loader or reader is made", (timeoutMs) => {
    const before = server.requests.length;
    expect(() => new SotaOcrLoader(join(dir, "a.pdf"), { ...options(), timeoutMs })).toThrow(/timeoutMs must be a positive number/);
    expect(() => new SotaOcrReader({ ...options(), timeoutMs })).toThrow(/timeoutMs must be a positive number/);
    expect(server.requests.length).toBe(before);
  });
});
