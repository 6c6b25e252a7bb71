import { job, makePdf, type ScriptedServer, startScriptedServer } from "@sotaocr/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AbortError,
  APIConnectionError,
  BadRequestError,
  InternalServerError,
  SotaOcrClient,
  TimeoutError,
  type UploadProgress,
} from "../src/index.js";

let server: ScriptedServer;
const small = makePdf(["Hello"]);
// Big enough that a connection reset when the headers arrive stops it mid-body.
const big = Buffer.concat([Buffer.from("%PDF-1.4\n"), Buffer.alloc(8 * 1024 * 1024, 0x20), Buffer.from("\n%%EOF\n")]);

beforeAll(async () => {
  server = await startScriptedServer();
});
afterAll(() => server.close());

const client = (options: ConstructorParameters<typeof SotaOcrClient>[0] = {}) =>
  new SotaOcrClient({ apiKey: "sk-test", baseUrl: server.url, ...options });
const uploads = () => server.requestsTo("POST /v1/extract");
const keysOf = (requests: { headers: Record<string, unknown> }[]) => requests.map((request) => request.headers["idempotency-key"]);

describe("uploads never double-bill silently", () => {
  it("retries 429 (Retry-After) and 503 with one Idempotency-Key for every attempt", async () => {
    server.requests.length = 0;
    server.on(
      "POST /v1/extract",
      { status: 429, json: { error: { code: "rate_limited" } }, headers: { "retry-after": "0" } },
      { status: 503, json: { error: { code: "unavailable" } }, headers: { "retry-after": "0" } },
      job("job_ok", "pending"),
    );
    const created = await client().extract(small);
    expect(created.id).toBe("job_ok");
    const keys = keysOf(uploads());
    expect(keys).toHaveLength(3);
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("waits out 429s (no job was created) without using up its retries", async () => {
    server.requests.length = 0;
    const busy = { status: 429, json: { error: { code: "too_many_active_jobs" } }, headers: { "retry-after-ms": "20" } };
    server.on("POST /v1/extract", busy, busy, busy, busy, busy, job("job_patient", "pending"));
    const created = await client({ maxRetries: 1 }).extract(small);
    expect(created.id).toBe("job_patient");
    expect(new Set(keysOf(uploads()))).toHaveProperty("size", 1);
    expect(uploads()).toHaveLength(6);
  });

  it("backs off between 429s that give no usable Retry-After (0), instead of re-sending at once", async () => {
    server.requests.length = 0;
    const busy = { status: 429, json: { error: { code: "too_many_active_jobs" } }, headers: { "retry-after": "0" } };
    server.on("POST /v1/extract", busy, busy, busy, job("job_backoff", "pending"));
    await client({ maxRetries: 1 }).extract(small);
    const times = uploads().map((request) => request.at);
    const gaps = times.slice(1).map((at, i) => at - (times[i] as number));
    expect(gaps).toHaveLength(3);
    expect(gaps[0]).toBeGreaterThanOrEqual(350); // about 0.5 s, 1 s, 2 s
    expect(gaps[2]).toBeGreaterThan(gaps[0] as number);
  });

  it("with maxRetries 0, a 429 fails at once", async () => {
    server.requests.length = 0;
    const busy = { status: 429, json: { error: { code: "too_many_active_jobs" } }, headers: { "retry-after": "1" } };
    server.on("POST /v1/extract", busy, job("job_never", "pending"));
    const error = await client({ maxRetries: 0 })
      .extract(small)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "RateLimitError", status: 429 });
    expect(uploads()).toHaveLength(1);
  });

  it("sends the caller's idempotencyKey", async () => {
    server.requests.length = 0;
    server.on("POST /v1/extract", job("job_key", "pending"));
    await client().extract(small, { idempotencyKey: "my-key-1" });
    expect(keysOf(uploads())).toEqual(["my-key-1"]);
  });

  it("retries a connection lost before the whole file was sent: no job can exist", async () => {
    server.requests.length = 0;
    server.on("POST /v1/extract", "reset-before-body", job("job_after_reset", "pending"));
    const created = await client().extract(big);
    expect(created.id).toBe("job_after_reset");
    expect(uploads()).toHaveLength(2);
    expect(uploads()[1]?.bodyBytes).toBeGreaterThan(big.length);
  });

  it("does not retry a connection lost after the whole file was sent, and says a job may exist", async () => {
    server.requests.length = 0;
    server.on("POST /v1/extract", "reset-after-body", job("job_never", "pending"));
    const error = await client()
      .extract(small, { idempotencyKey: "ambiguous-1" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIConnectionError);
    expect(error).toMatchObject({ mayHaveCreatedJob: true, idempotencyKey: "ambiguous-1" });
    expect((error as Error).message).toMatch(/may have created a job \(Idempotency-Key ambiguous-1\)/);
    expect(uploads()).toHaveLength(1);
  });

  it("treats a timeout after the whole file was sent as ambiguous too", async () => {
    server.requests.length = 0;
    server.on("POST /v1/extract", "hang");
    const error = await client({ timeoutMs: 300 })
      .extract(small)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIConnectionError);
    expect(error).not.toBeInstanceOf(TimeoutError);
    expect((error as APIConnectionError).mayHaveCreatedJob).toBe(true);
    expect(uploads()).toHaveLength(1);
  });

  it("when ocr()'s deadline ends an upload whose file was all sent, says a job may exist, with its key", async () => {
    server.requests.length = 0;
    server.on("POST /v1/extract", "hang");
    const error = await client()
      .ocr(small, { timeoutMs: 300 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    const key = keysOf(uploads())[0];
    expect((error as Error).message).toMatch(/did not finish within 300 ms .*may have created a job \(Idempotency-Key /);
    expect((error as Error).message).toContain(key);
  });

  it("says so in fields too: the deadline's cause, or the caller's abort, carries mayHaveCreatedJob and the key", async () => {
    server.requests.length = 0;
    server.on("POST /v1/extract", "hang");
    const timedOut = await client()
      .ocr(small, { timeoutMs: 300 })
      .catch((e: unknown) => e);
    expect((timedOut as Error).cause).toMatchObject({ name: "AbortError", mayHaveCreatedJob: true, idempotencyKey: keysOf(uploads())[0] });
    const controller = new AbortController();
    const aborted = await client()
      .extract(small, {
        signal: controller.signal,
        onUploadProgress: (progress) => progress.done && setTimeout(() => controller.abort(), 100),
      })
      .catch((e: unknown) => e);
    expect(aborted).toBeInstanceOf(AbortError);
    expect(aborted).toMatchObject({ mayHaveCreatedJob: true, idempotencyKey: keysOf(uploads())[1] });
  });

  it("retries ambiguous failures with the same key when the caller opts in", async () => {
    server.requests.length = 0;
    server.on("POST /v1/extract", "reset-after-body", { status: 502, body: "bad gateway" }, job("job_same", "pending"));
    const created = await client({ retryAmbiguousUploads: true }).extract(small);
    expect(created.id).toBe("job_same");
    const keys = keysOf(uploads());
    expect(keys).toHaveLength(3);
    expect(new Set(keys).size).toBe(1);
  });

  it("does not retry a 500 answer to an upload, and says a job may exist", async () => {
    server.requests.length = 0;
    server.on("POST /v1/extract", { status: 500, json: { error: { code: "internal", message: "boom" } } }, job("job_never", "pending"));
    const error = await client()
      .extract(small)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InternalServerError);
    expect((error as Error).message).toMatch(/internal: boom.*may have created a job/);
    expect(error).toMatchObject({ mayHaveCreatedJob: true, idempotencyKey: keysOf(uploads())[0] });
    expect(uploads()).toHaveLength(1);
  });

  it("never retries a 400", async () => {
    server.requests.length = 0;
    server.on("POST /v1/extract", { status: 400, json: { error: { code: "invalid_page_ranges", message: "page 9 > 3" } } });
    const error = await client()
      .extract(small)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error).toMatchObject({ status: 400, code: "invalid_page_ranges", serverMessage: "page 9 > 3" });
    expect(uploads()).toHaveLength(1);
  });

  it("retries a refused connection (nothing reached a server), then says what failed", async () => {
    const refused = new SotaOcrClient({ apiKey: "sk-test", baseUrl: "http://127.0.0.1:9", maxRetries: 1 });
    const error = await refused.extract(small).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIConnectionError);
    expect(error).toMatchObject({ mayHaveCreatedJob: false });
    expect((error as Error).message).toMatch(/POST \/v1\/extract failed: .*ECONNREFUSED/);
  });

  it("reports upload progress up to the whole file", async () => {
    server.on("POST /v1/extract", job("job_progress", "pending"));
    const seen: UploadProgress[] = [];
    await client().extract(big, { onUploadProgress: (progress) => seen.push(progress) });
    expect(seen.length).toBeGreaterThan(2);
    expect(seen.at(-1)).toEqual({ bytesSent: big.length, totalBytes: big.length, done: true });
    expect(seen.map((p) => p.bytesSent)).toEqual([...seen.map((p) => p.bytesSent)].sort((a, b) => a - b));
  });
});
