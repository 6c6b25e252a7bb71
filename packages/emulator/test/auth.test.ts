import { AuthenticationError, NotFoundError, SotaOcrClient } from "@sotaocr/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../src/index.js";
import { clientFor, errorCode, makePdf, multipart, raw, startSynthetic } from "./helpers.js";

describe("auth and isolation", () => {
  let emulator: Emulator;
  let jobId: string;

  beforeAll(async () => {
    emulator = await startSynthetic({ apiKeys: ["key-alice", "key-bob"], initialBalance: 100 });
    ({ jobId } = await clientFor(emulator).ocr(makePdf(2)));
  });
  afterAll(() => emulator.close());

  const routes = () => [
    { method: "POST", path: "/v1/extract" },
    { method: "GET", path: `/v1/jobs/${jobId}` },
    { method: "GET", path: `/v1/jobs/${jobId}/result` },
    { method: "GET", path: `/v1/jobs/${jobId}/result?format=markdown` },
    { method: "GET", path: `/v1/jobs/${jobId}/pages/1/preview` },
    { method: "GET", path: "/v1/balance" },
    { method: "GET", path: "/api/v1/info" },
  ];

  it("answers 401 missing_api_key without a Bearer key, and 401 invalid_api_key with an unknown one, on every route", async () => {
    const upload = multipart([{ name: "file", value: makePdf(1), filename: "a.pdf" }]);
    const variants: [string, Record<string, string>, string][] = [
      ["no header", {}, "missing_api_key"],
      ["empty bearer", { authorization: "Bearer " }, "missing_api_key"],
      ["basic auth", { authorization: "Basic a2V5LWFsaWNlOg==" }, "missing_api_key"],
      ["unknown key", { authorization: "Bearer not-a-key" }, "invalid_api_key"],
      ["default key not accepted here", { authorization: "Bearer sotaocr-emulator" }, "invalid_api_key"],
    ];
    for (const { method, path } of routes()) {
      for (const [label, headers, code] of variants) {
        const response = await raw(emulator, path, {
          method,
          key: null,
          headers: method === "POST" ? { ...headers, "content-type": upload.contentType } : headers,
          body: method === "POST" ? upload.body : undefined,
        });
        expect([path, label, response.status, errorCode(response.json)]).toEqual([path, label, 401, code]);
        expect(response.headers.get("content-type")).toMatch(/^application\/json/);
      }
    }
    // Nothing was created or billed by the refused uploads.
    expect(emulator.log.uploads().filter((entry) => entry.status === 200)).toHaveLength(1);
  });

  it("never writes a key into the request log", async () => {
    const lines: string[] = [];
    const logged = await startSynthetic({ apiKeys: ["secret-key-123"], log: (line) => lines.push(line) });
    try {
      const client = new SotaOcrClient({ baseUrl: logged.url, apiKey: "secret-key-123" });
      await client.ocr(makePdf(1));
      await new SotaOcrClient({ baseUrl: logged.url, apiKey: "wrong-secret-456" }).getBalance().catch(() => undefined);
      expect(lines.length).toBeGreaterThanOrEqual(4);
      expect(lines[0]).toMatch(/^POST \/v1\/extract 200 \d+\.\dms job_[0-9a-f]{24}$/);
      expect(lines.some((line) => / 401 /.test(line))).toBe(true);
      const everything = lines.join("\n") + JSON.stringify(logged.log.entries);
      expect(everything).not.toContain("secret-key-123");
      expect(everything).not.toContain("wrong-secret-456");
      expect(logged.log.entries.map((entry) => entry.keyIndex)).toContain(0);
    } finally {
      await logged.close();
    }
  });

  it("shows a job only to the key that created it", async () => {
    const bob = new SotaOcrClient({ baseUrl: emulator.url, apiKey: "key-bob" });
    await expect(bob.getJob(jobId)).rejects.toBeInstanceOf(NotFoundError);
    await expect(bob.getJob(jobId)).rejects.toMatchObject({ status: 404, code: "job_not_found" });
    await expect(bob.getResult(jobId)).rejects.toMatchObject({ status: 404, code: "job_not_found" });
    await expect(bob.getPagePreview(jobId, 1)).rejects.toMatchObject({ status: 404, code: "job_not_found" });
    const alice = clientFor(emulator);
    expect((await alice.getJob(jobId)).status).toBe("completed");
    expect(emulator.log.entries.filter((entry) => entry.keyIndex === 1 && entry.status === 404)).toHaveLength(4);
  });

  it("keeps a balance per key", async () => {
    const bob = new SotaOcrClient({ baseUrl: emulator.url, apiKey: "key-bob" });
    expect((await bob.getBalance()).remainingPages).toBe(100);
    expect((await clientFor(emulator).getBalance()).remainingPages).toBe(98);
  });

  it("surfaces a wrong key as the client's AuthenticationError", async () => {
    const wrong = new SotaOcrClient({ baseUrl: emulator.url, apiKey: "nope-nope" });
    const error = await wrong.ocr(makePdf(1)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ status: 401, code: "invalid_api_key" });
  });
});
