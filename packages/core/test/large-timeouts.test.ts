import { job, makePdf, type ScriptedServer, startScriptedServer } from "@sotaocr/test-support";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { SotaOcrClient, SotaOcrError, TimeoutError } from "../src/index.js";

// Node turns a timer of 2^31 ms or more (or Infinity) into 1 ms: such values must mean "no limit".
const TOO_BIG_FOR_A_TIMER = 2 ** 31;

let server: ScriptedServer;
const warnings: string[] = [];
const onWarning = (warning: Error) => warnings.push(warning.name);
beforeAll(async () => {
  server = await startScriptedServer();
  process.on("warning", onWarning);
});
afterAll(async () => {
  process.off("warning", onWarning);
  await server.close();
});
afterEach(() => {
  const overflows = warnings.splice(0).filter((name) => name === "TimeoutOverflowWarning");
  expect(overflows, "no timer may be given a delay Node cuts to 1 ms").toEqual([]);
});

const pdf = makePdf(["one"]);
/** Every answer comes a little late: a 1 ms timer would fire first. */
const slow = { delayMs: 40 };

function scriptJob(id: string): void {
  server.on("POST /v1/extract", { ...job(id, "pending"), ...slow });
  server.on(`GET /v1/jobs/${id}`, { ...job(id, "completed", 1, 1), ...slow });
  server.on(`GET /v1/jobs/${id}/result`, { json: { page_count: 1, pages: [{ page_number: 1, markdown: "one" }] }, ...slow });
}

describe("timeouts too large for a timer mean no limit", () => {
  it.each([
    ["2^31 ms", TOO_BIG_FOR_A_TIMER],
    ["Number.MAX_SAFE_INTEGER ms", Number.MAX_SAFE_INTEGER],
    ["Infinity", Number.POSITIVE_INFINITY],
  ])("client timeoutMs and jobTimeoutMs of %s: ocr() works", async (_, ms) => {
    scriptJob("job_big_client");
    const client = new SotaOcrClient({ apiKey: "sk-test", baseUrl: server.url, timeoutMs: ms, jobTimeoutMs: ms, maxRetries: 0 });
    const result = await client.ocr(pdf);
    expect(result.pages.map((page) => page.content)).toEqual(["one"]);
    expect(server.requestsTo("POST /v1/extract").at(-1)?.headers["idempotency-key"]).toBeTruthy();
  });

  it("per call: timeoutMs / requestTimeoutMs of Infinity and 2^31 on every method", async () => {
    scriptJob("job_big_call");
    server.on("GET /v1/balance", { json: { remaining_pages: 5 }, ...slow });
    const client = new SotaOcrClient({ apiKey: "sk-test", baseUrl: server.url, maxRetries: 0 });
    expect((await client.getBalance({ timeoutMs: Number.POSITIVE_INFINITY })).remainingPages).toBe(5);
    expect((await client.getBalance({ timeoutMs: TOO_BIG_FOR_A_TIMER })).remainingPages).toBe(5);
    const created = await client.extract(pdf, { timeoutMs: Number.POSITIVE_INFINITY });
    expect(created.id).toBe("job_big_call");
    expect((await client.waitForJob(created.id, { timeoutMs: Number.POSITIVE_INFINITY })).phase).toBe("completed");
    expect((await client.getPages(created.id, { timeoutMs: TOO_BIG_FOR_A_TIMER })).pages).toHaveLength(1);
    const result = await client.ocr(pdf, { timeoutMs: TOO_BIG_FOR_A_TIMER, requestTimeoutMs: Number.POSITIVE_INFINITY });
    expect(result.jobId).toBe("job_big_call");
  });

  it("the loaders' document timeoutMs of 2^31 works too (resolveDocumentOptions passes it on)", async () => {
    scriptJob("job_big_doc");
    const { resolveDocumentOptions } = await import("../src/documents/index.js");
    const { client, ocrOptions } = resolveDocumentOptions({ apiKey: "sk-test", baseUrl: server.url, timeoutMs: TOO_BIG_FOR_A_TIMER });
    expect((await client.ocr(pdf, ocrOptions)).jobId).toBe("job_big_doc");
  });

  it("a pollIntervalMs of 2^31 waits that long between polls, not 1 ms (the job deadline ends the wait)", async () => {
    server.on("GET /v1/jobs/job_slow_polls", job("job_slow_polls", "running", 3, 1));
    const client = new SotaOcrClient({ apiKey: "sk-test", baseUrl: server.url, pollIntervalMs: TOO_BIG_FOR_A_TIMER });
    const error = await client.waitForJob("job_slow_polls", { timeoutMs: 400 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(server.requestsTo("GET /v1/jobs/job_slow_polls")).toHaveLength(1);
  });
});

describe("timeouts that are not a positive number are refused at the door", () => {
  it.each([
    ["timeoutMs", Number.NaN],
    ["timeoutMs", -1],
    ["timeoutMs", 0],
    ["jobTimeoutMs", Number.NaN],
    ["jobTimeoutMs", -5],
    ["pollIntervalMs", Number.NaN],
    ["pollIntervalMs", Number.POSITIVE_INFINITY],
  ])("client option %s = %s", (name, value) => {
    expect(() => new SotaOcrClient({ apiKey: "sk-test", baseUrl: server.url, [name]: value })).toThrow(SotaOcrError);
    expect(() => new SotaOcrClient({ apiKey: "sk-test", baseUrl: server.url, [name]: value })).toThrow(new RegExp(`^${name} must be`));
  });

  it.each([Number.NaN, -1, 0, "5000" as unknown as number])("per call timeoutMs = %s", async (value) => {
    const client = new SotaOcrClient({ apiKey: "sk-test", baseUrl: server.url });
    const before = server.requests.length;
    await expect(client.getBalance({ timeoutMs: value })).rejects.toThrow(/timeoutMs must be a positive number of milliseconds/);
    await expect(client.ocr(pdf, { requestTimeoutMs: value })).rejects.toThrow(/requestTimeoutMs must be a positive number/);
    await expect(client.ocr(pdf, { timeoutMs: value })).rejects.toThrow(/timeoutMs must be a positive number/);
    expect(server.requests.length).toBe(before);
  });

  it("the loaders' document timeoutMs is checked when the loader is made", async () => {
    const { resolveDocumentOptions } = await import("../src/documents/index.js");
    expect(() => resolveDocumentOptions({ apiKey: "sk-test", timeoutMs: Number.NaN })).toThrow(/timeoutMs must be a positive number/);
    expect(() => resolveDocumentOptions({ apiKey: "sk-test", timeoutMs: -1 })).toThrow(/timeoutMs must be a positive number/);
  });
});
