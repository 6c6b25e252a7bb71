import { type ScriptedServer, startScriptedServer } from "@sotaocr/test-support";
import { Agent, interceptors } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APIError, RedirectError, SotaOcrClient } from "../src/index.js";

/** A 3xx is never a success, and never followed: the request carries the API key. */

let server: ScriptedServer;
beforeAll(async () => {
  server = await startScriptedServer();
});
afterAll(() => server.close());

const KEY = "sk-redirect-secret-key";
const balance = { json: { entity_code: "scan_page", remaining_pages: 63 } };

describe("redirects", () => {
  it("a 3xx with a JSON body is a RedirectError naming where, without credentials or query", async () => {
    server.on("GET /v1/balance", {
      status: 301,
      json: { remaining_pages: 63 },
      headers: { location: "https://user:hunter2@api.example.com/v1/balance?token=abc#frag" },
    });
    const client = new SotaOcrClient({ apiKey: KEY, baseUrl: server.url });
    const error = await client.getBalance().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RedirectError);
    expect(error).toBeInstanceOf(APIError);
    expect(error).toMatchObject({ status: 301, location: "https://api.example.com/v1/balance" });
    const text = `${(error as Error).message} ${JSON.stringify(error)}`;
    expect(text).toMatch(/redirected GET \/v1\/balance to https:\/\/api\.example\.com\/v1\/balance/);
    expect(text).toMatch(/baseUrl.*"https:\/\/api\.example\.com"/);
    expect(text).not.toMatch(/hunter2|token|abc|frag|user/);
    expect(text).not.toContain(KEY);
    expect(server.requestsTo("GET /v1/balance")).toHaveLength(1); // not retried
  });

  it("is not followed even by a dispatcher set up to follow redirects (the key would go along)", async () => {
    server.on("GET /v1/jobs/job_1", { status: 307, json: {}, headers: { location: "/v1/elsewhere" } });
    server.on("GET /v1/elsewhere", balance);
    const dispatcher = new Agent().compose(interceptors.redirect({ maxRedirections: 3 }));
    const client = new SotaOcrClient({ apiKey: KEY, baseUrl: server.url, dispatcher });
    const error = await client.getJob("job_1").catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "RedirectError", status: 307, location: `${server.url}/v1/elsewhere`, jobId: "job_1" });
    expect(server.requestsTo("GET /v1/elsewhere")).toHaveLength(0);
    await dispatcher.close();
  });
});
