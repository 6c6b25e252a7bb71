import { type ScriptedServer, startScriptedServer } from "@sotaocr/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APIError, JobFailedError, SotaOcrClient, SotaOcrError } from "../src/index.js";

let server: ScriptedServer;
let client: SotaOcrClient;
beforeAll(async () => {
  server = await startScriptedServer();
  client = new SotaOcrClient({ apiKey: "sk-test", baseUrl: `${server.url}/` });
});
afterAll(() => server.close());

describe("endpoints", () => {
  it("getBalance maps the documented body to camelCase and keeps the rest", async () => {
    server.on("GET /v1/balance", {
      json: {
        entity_code: "scan_page",
        remaining_pages: 63,
        total_affordable_pages: 63,
        monthly_pages: { total: 40, allocated: 5, remaining: 35 },
        tokens: { total: 120, allocated: 20, remaining: 100, affordable_pages: 10 },
        token_price: 10,
        new_field: true,
      },
    });
    const balance = await client.getBalance();
    expect(balance).toMatchObject({
      remainingPages: 63,
      totalAffordablePages: 63,
      entityCode: "scan_page",
      monthlyPages: { total: 40, allocated: 5, remaining: 35 },
      tokens: { total: 120, allocated: 20, remaining: 100, affordablePages: 10 },
      tokenPrice: 10,
    });
    expect(balance.raw.new_field).toBe(true);
  });

  it("getInfo accepts profiles as strings or objects", async () => {
    server.on("GET /api/v1/info", { json: { model_profiles: ["fast", { name: "accurate" }, { id: "legacy" }, {}] } });
    expect((await client.getInfo()).modelProfiles.map((profile) => profile.name)).toEqual(["fast", "accurate", "legacy"]);
  });

  it("getPagePreview returns the image bytes and type", async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    server.on("GET /v1/jobs/job_p/pages/2/preview", { body: png, headers: { "content-type": "image/png" } });
    const preview = await client.getPagePreview("job_p", 2);
    expect(preview.contentType).toBe("image/png");
    expect(Buffer.from(preview.bytes)).toEqual(png);
    await expect(client.getPagePreview("job_p", 0)).rejects.toThrow(/pageNumber must be a whole number from 1/);
  });

  it("getResult asks again while the result is not ready (202), then says so", async () => {
    server.on("GET /v1/jobs/job_r/result", { status: 202, json: { error: { code: "result_not_ready" } } });
    const error = await client.getResult("job_r", { maxRetries: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    expect(error).toMatchObject({ status: 202, code: "result_not_ready", jobId: "job_r" });
    const [first, second] = server.requestsTo("GET /v1/jobs/job_r/result");
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(1000);
  });

  it("getPagePreview waits while the page is not read yet (202) instead of returning the error body", async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 9]);
    server.on(
      "GET /v1/jobs/job_q/pages/1/preview",
      { status: 202, json: { error: { code: "result_not_ready" } } },
      { body: png, headers: { "content-type": "image/png" } },
    );
    const preview = await client.getPagePreview("job_q", 1);
    expect(Buffer.from(preview.bytes)).toEqual(png);
    expect(server.requestsTo("GET /v1/jobs/job_q/pages/1/preview")).toHaveLength(2);
  });

  it("paces retries of requests about one job sent at once (previews of its pages) a second apart, not together", async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 7]);
    for (const page of [1, 2, 3]) {
      server.on(
        `GET /v1/jobs/job_pv/pages/${page}/preview`,
        { status: 202, json: { error: { code: "result_not_ready" } } },
        { body: png, headers: { "content-type": "image/png" } },
      );
    }
    await Promise.all([1, 2, 3].map((page) => client.getPagePreview("job_pv", page)));
    const retries = server.requests
      .filter((request) => request.path.startsWith("/v1/jobs/job_pv/"))
      .slice(3) // the first request of each goes at once
      .map((request) => request.at);
    expect(retries).toHaveLength(3);
    const gaps = retries.slice(1).map((at, i) => at - (retries[i] as number));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(990);
  });

  it("getResult of a failed job raises JobFailedError at once (409 job_failed is not retried)", async () => {
    server.on("GET /v1/jobs/job_x/result", { status: 409, json: { error: { code: "job_failed", message: "ocr crashed" } } });
    const error = await client.getResult("job_x").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobFailedError);
    expect(error).toMatchObject({ jobId: "job_x", code: "job_failed", serverMessage: "ocr crashed" });
    expect(server.requestsTo("GET /v1/jobs/job_x/result")).toHaveLength(1);
  });

  it("paces retries of a result request like polls, but sends the first at once", async () => {
    server.on("GET /v1/jobs/job_y/result", "reset-before-body", { json: { pages: [{ page_number: 1, text: "y" }] } });
    await client.getResult("job_y");
    const [first, second] = server.requestsTo("GET /v1/jobs/job_y/result");
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(1000);
  });

  it("refuses an empty job id, a malformed key and a non-http base URL before sending", async () => {
    const before = server.requests.length;
    await expect(client.getJob("")).rejects.toThrow(/jobId must be the id of a job/);
    await expect(client.getResult("..")).rejects.toThrow(/jobId must be the id of a job/); // would be /v1/result
    await expect(client.getJob(".")).rejects.toThrow(/jobId must be the id of a job/);
    const newline = new SotaOcrClient({ apiKey: "sk-abc\nX-Evil: 1", baseUrl: server.url });
    await expect(newline.getBalance()).rejects.toThrow(/contains spaces, line breaks/);
    await expect(new SotaOcrClient({ apiKey: "   ", baseUrl: server.url }).getBalance()).rejects.toThrow(/No SotaOCR API key/);
    expect(() => new SotaOcrClient({ baseUrl: "ftp://127.0.0.1/" })).toThrow(/is not an http\(s\) URL/);
    expect(server.requests.length).toBe(before);
  });

  it("escapes job ids in paths", async () => {
    server.on("GET /v1/jobs/a%2F..%2Fb", { json: { id: "a/../b", status: "running" } });
    expect((await client.getJob("a/../b")).id).toBe("a/../b");
  });

  it("validates options when the client is made", () => {
    expect(() => new SotaOcrClient({ baseUrl: "not a url" })).toThrow(SotaOcrError);
    expect(() => new SotaOcrClient({ timeoutMs: -1 })).toThrow(/timeoutMs must be a positive number/);
    expect(() => new SotaOcrClient({ maxRetries: 1.5 })).toThrow(/maxRetries must be a whole number/);
    expect(new SotaOcrClient({ pollIntervalMs: 200 }).pollIntervalMs).toBe(1000);
    expect(new SotaOcrClient({ pollIntervalMs: 2500 }).pollIntervalMs).toBe(2500);
  });

  it("reads the key and base URL from the environment", () => {
    const saved = { ...process.env };
    process.env.SOTAOCR_BASE_URL = "http://127.0.0.1:1234";
    try {
      expect(new SotaOcrClient().baseUrl).toBe("http://127.0.0.1:1234");
      delete process.env.SOTAOCR_BASE_URL;
      expect(new SotaOcrClient().baseUrl).toBe("https://api.sotaocr.com");
    } finally {
      process.env = saved;
    }
  });
});
