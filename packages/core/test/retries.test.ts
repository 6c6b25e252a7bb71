import { performance } from "node:perf_hooks";
import { type ScriptedServer, startScriptedServer } from "@sotaocr/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AbortError,
  APIConnectionError,
  AuthenticationError,
  BadRequestError,
  InternalServerError,
  InvalidResponseError,
  PermissionDeniedError,
  RateLimitError,
  SotaOcrClient,
  TimeoutError,
} from "../src/index.js";

let server: ScriptedServer;
beforeAll(async () => {
  server = await startScriptedServer();
});
afterAll(() => server.close());

const balance = { json: { entity_code: "scan_page", remaining_pages: 63 } };
const client = (options: ConstructorParameters<typeof SotaOcrClient>[0] = {}) =>
  new SotaOcrClient({ apiKey: "sk-test", baseUrl: server.url, ...options });
const count = () => server.requestsTo("GET /v1/balance").length;

describe("GET requests", () => {
  it("retry 5xx and succeed", async () => {
    server.requests.length = 0;
    server.on("GET /v1/balance", { status: 500, body: "oops" }, { status: 502, body: "" }, balance);
    expect((await client().getBalance()).remainingPages).toBe(63);
    expect(count()).toBe(3);
  });

  it("give up after maxRetries, with the last error", async () => {
    server.requests.length = 0;
    server.on("GET /v1/balance", { status: 503, json: { error: { code: "unavailable", message: "maintenance" } } });
    const error = await client({ maxRetries: 1 })
      .getBalance()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InternalServerError);
    expect(error).toMatchObject({ status: 503, code: "unavailable", serverMessage: "maintenance" });
    expect(count()).toBe(2);
  });

  it("take a per-call maxRetries", async () => {
    server.requests.length = 0;
    server.on("GET /v1/balance", { status: 500, body: "" });
    await expect(client().getBalance({ maxRetries: 0 })).rejects.toBeInstanceOf(InternalServerError);
    expect(count()).toBe(1);
  });

  it("honour Retry-After on 429", async () => {
    server.requests.length = 0;
    server.on("GET /v1/balance", { status: 429, json: {}, headers: { "retry-after": "1" } }, balance);
    const started = performance.now();
    await client().getBalance();
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
    expect(count()).toBe(2);
  });

  it("raise at once when Retry-After asks for an hour", async () => {
    server.requests.length = 0;
    server.on("GET /v1/balance", { status: 429, json: { error: { code: "quota" } }, headers: { "retry-after": "3600" } });
    const error = await client()
      .getBalance()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).toMatchObject({ retryAfterMs: 3_600_000 });
    expect(count()).toBe(1);
  });

  it("wait out a Retry-After over a minute while the call has the time (here until the caller aborts)", async () => {
    server.requests.length = 0;
    server.on("GET /v1/balance", { status: 429, json: { error: { code: "quota" } }, headers: { "retry-after": "90" } }, balance);
    const error = await client()
      .getBalance({ signal: AbortSignal.timeout(1500) })
      .catch((e: unknown) => e);
    // Still waiting when the signal fired: not given up on at once.
    expect(error).toBeInstanceOf(AbortError);
    expect(count()).toBe(1);
  });

  it("a 503's Retry-After over a minute is waited out too, when it fits", async () => {
    server.requests.length = 0;
    server.on("GET /v1/balance", { status: 503, json: {}, headers: { "retry-after": "75" } }, balance);
    const error = await client()
      .getBalance({ signal: AbortSignal.timeout(1500) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect(count()).toBe(1);
  });

  it("raise at once a Retry-After that cannot fit the call's deadline, naming the wait and the deadline", async () => {
    server.on("GET /v1/jobs/job_ra", { status: 429, json: { error: { code: "rate_limited" } }, headers: { "retry-after": "90" } });
    const error = await client()
      .waitForJob("job_ra", { timeoutMs: 20_000 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).toMatchObject({ jobId: "job_ra", retryAfterMs: 90_000 });
    expect((error as Error).message).toMatch(/asked to wait 90 s.*only \d+ s are left of the call's 20 s deadline/);
    expect(server.requestsTo("GET /v1/jobs/job_ra")).toHaveLength(1);
  });

  it("raise at once a Retry-After longer than a call waits in all, saying so", async () => {
    server.requests.length = 0;
    server.on("GET /v1/balance", { status: 429, json: { error: { code: "quota" } }, headers: { "retry-after": "3600" } });
    const error = await client()
      .getBalance()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as Error).message).toMatch(/asked to wait 3600 s.*at most 600 s in all/);
    expect(count()).toBe(1);
  });

  it.each([
    [400, BadRequestError],
    [401, AuthenticationError],
    [403, PermissionDeniedError],
  ])("never retry %i", async (status, type) => {
    server.requests.length = 0;
    server.on("GET /v1/balance", { status, json: { code: "nope", message: "not allowed" } });
    const error = await client()
      .getBalance()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(type);
    expect(error).toMatchObject({ status, code: "nope", serverMessage: "not allowed" });
    expect(count()).toBe(1);
  });

  it("retry a connection reset", async () => {
    server.requests.length = 0;
    server.on("GET /v1/balance", "reset-before-body", balance);
    expect((await client().getBalance()).remainingPages).toBe(63);
    expect(count()).toBe(2);
  });

  it("time out per request, retry, then raise TimeoutError", async () => {
    server.requests.length = 0;
    server.on("GET /v1/balance", "hang");
    const error = await client({ timeoutMs: 200, maxRetries: 1 })
      .getBalance()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toMatch(/GET \/v1\/balance got no answer within 200 ms/);
    expect(count()).toBe(2);
  });

  it("say plainly when the base URL serves HTML instead of the API", async () => {
    server.on("GET /v1/balance", { status: 200, body: "<html>login</html>", headers: { "content-type": "text/html" } });
    const ok = await client()
      .getBalance()
      .catch((e: unknown) => e);
    expect(ok).toBeInstanceOf(InvalidResponseError);
    expect((ok as Error).message).toMatch(/not JSON \(text\/html.*Check baseUrl/);
    server.on("GET /v1/balance", { status: 404, body: "<html>not found</html>", headers: { "content-type": "text/html" } });
    const missing = await client()
      .getBalance()
      .catch((e: unknown) => e);
    expect((missing as Error).message).toMatch(/HTML page, not the SotaOCR API: check baseUrl/);
  });

  it("reject JSON that breaks the schema, and truncated JSON", async () => {
    server.on("GET /v1/balance", { status: 200, json: { remaining_pages: "lots" } });
    await expect(client().getBalance()).rejects.toThrow(/unexpected body \(remaining_pages: /);
    server.on("GET /v1/balance", { status: 200, body: '{"remaining_pages": 6', headers: { "content-type": "application/json" } });
    await expect(client().getBalance()).rejects.toBeInstanceOf(InvalidResponseError);
  });

  it("read error bodies in every documented form", async () => {
    const forms = [
      [{ error: { code: "a", message: "one" } }, "a", "one"],
      [{ error: "two" }, undefined, "two"],
      [{ code: "c", message: "three" }, "c", "three"],
      [{ detail: "four" }, undefined, "four"],
      ["plain text five", undefined, "plain text five"],
    ] as const;
    for (const [body, code, message] of forms) {
      server.on("GET /v1/balance", typeof body === "string" ? { status: 400, body } : { status: 400, json: body });
      const error = await client()
        .getBalance()
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code, serverMessage: message });
    }
  });

  it("report a refused connection as APIConnectionError", async () => {
    const refused = new SotaOcrClient({ apiKey: "sk-test", baseUrl: "http://127.0.0.1:9", maxRetries: 0 });
    await expect(refused.getInfo()).rejects.toBeInstanceOf(APIConnectionError);
  });
});
