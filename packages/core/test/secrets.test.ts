import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makePdf } from "../../../test/support/fixtures.js";
import { job, type ScriptedServer, startScriptedServer } from "../../../test/support/scripted-server.js";
import { SotaOcrClient } from "../src/index.js";

const KEY = "sk-live-SECRET-7f3a9c";
let server: ScriptedServer;
beforeAll(async () => {
  server = await startScriptedServer();
});
afterAll(() => server.close());

/** Every way an error or object can reach a log. */
function everyRendering(value: unknown): string {
  const error = value as Error;
  return [String(value), error?.message, error?.stack, JSON.stringify(value), inspect(value, { depth: 10, showHidden: true })].join("\n");
}

describe("the API key never leaks", () => {
  const client = () => new SotaOcrClient({ apiKey: KEY, baseUrl: server.url, maxRetries: 0, timeoutMs: 300 });
  const pdf = makePdf(["x"]);

  it("is sent, as a Bearer token", async () => {
    server.on("GET /v1/balance", { json: { remaining_pages: 1 } });
    await client().getBalance();
    expect(server.requestsTo("GET /v1/balance").at(-1)?.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it.each([
    [
      "a 401 whose body echoes the header",
      () => server.on("GET /v1/balance", { status: 401, json: { error: { code: KEY, message: `bad token Bearer ${KEY}` } } }),
    ],
    [
      "a 500 with a plain-text echo",
      () => server.on("GET /v1/balance", { status: 500, body: `upstream said: Authorization: Bearer ${KEY}` }),
    ],
    ["a timeout", () => server.on("GET /v1/balance", "hang")],
    ["a reset", () => server.on("GET /v1/balance", "reset-before-body")],
    ["a body that is not JSON", () => server.on("GET /v1/balance", { status: 200, body: `<html>${KEY}</html>` })],
  ])("in errors from %s", async (_, script) => {
    script();
    const error = await client()
      .getBalance()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(everyRendering(error)).not.toContain(KEY);
  });

  it("in errors from a refused connection and from failed jobs", async () => {
    const refused = await new SotaOcrClient({ apiKey: KEY, baseUrl: "http://127.0.0.1:9", maxRetries: 0 })
      .extract(pdf)
      .catch((e: unknown) => e);
    expect(everyRendering(refused)).not.toContain(KEY);
    server.on("POST /v1/extract", job("job_s", "pending"));
    server.on("GET /v1/jobs/job_s", job("job_s", "failed", 1, 0, { error: { code: "ocr_failed", message: "engine down" } }));
    const failed = await client()
      .ocr(pdf)
      .catch((e: unknown) => e);
    expect(everyRendering(failed)).not.toContain(KEY);
  });

  it("in the client itself and in results", async () => {
    const c = client();
    expect(inspect(c, { showHidden: true, depth: 10 })).not.toContain(KEY);
    expect(JSON.stringify(c)).not.toContain(KEY);
    expect(String(c)).not.toContain(KEY);
    server.on("POST /v1/extract", job("job_t", "pending"));
    server.on("GET /v1/jobs/job_t", job("job_t", "completed", 1, 1));
    server.on("GET /v1/jobs/job_t/result", { json: { pages: [{ page_number: 1, text: "hi" }] } });
    const result = await c.ocr(pdf);
    expect(everyRendering(result)).not.toContain(KEY);
  });
});
