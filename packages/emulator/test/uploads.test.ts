import { randomBytes } from "node:crypto";
import { APIError, BadRequestError, JobFailedError, type SotaOcrClient } from "@sotaocr/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../src/index.js";
import { clientFor, errorCode, makePdf, multipart, PNG, raw, rawHttp, rawUpload, sha256, startSynthetic } from "./helpers.js";

describe("uploads", () => {
  let emulator: Emulator;
  let client: SotaOcrClient;
  const MAX = 4096;

  beforeAll(async () => {
    emulator = await startSynthetic({ maxUploadBytes: MAX });
    client = clientFor(emulator, { maxRetries: 0 });
  });
  afterAll(() => emulator.close());

  it("answers 413 file_too_large to a file one byte over maxUploadBytes, and accepts one at the limit", async () => {
    const pdf = makePdf(1);
    const padded = (size: number) => {
      const bytes = new Uint8Array(size).fill(0x20);
      bytes.set(pdf.subarray(0, pdf.length - 6));
      bytes.set(pdf.subarray(pdf.length - 6), size - 6); // keep %%EOF at the end
      return bytes;
    };
    const error = await client.extract(padded(MAX + 1)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    expect(error).toMatchObject({ status: 413, code: "file_too_large" });
    const job = await client.extract(padded(MAX));
    expect(job.status).toBe("pending");
    const uploads = emulator.log.uploads().slice(-2);
    expect(uploads.map((entry) => [entry.status, entry.bytes])).toEqual([
      [413, undefined],
      [200, MAX],
    ]);
  });

  it("refuses a huge declared Content-Length at once, without reading the body", async () => {
    const { response, elapsedMs } = await rawHttp(
      emulator.port,
      "POST /v1/extract HTTP/1.1\r\nHost: x\r\n" +
        `Authorization: Bearer ${emulator.apiKey}\r\n` +
        "Content-Type: multipart/form-data; boundary=b\r\n" +
        "Content-Length: 10737418240\r\n\r\n--b\r\n",
    );
    expect(response).toMatch(/^HTTP\/1\.1 413 /);
    expect(response).toMatch(/"code":"file_too_large"/);
    expect(response.toLowerCase()).toContain("connection: close");
    expect(elapsedMs).toBeLessThan(2000);
    // The client, still sending a body declared far too large, gets the 413 too.
    const big = new Uint8Array(4 * 1024 * 1024).fill(0x20);
    big.set(makePdf(1), big.length - makePdf(1).length);
    big.set(Buffer.from("%PDF-1.4\n"));
    await expect(client.extract(big)).rejects.toMatchObject({ status: 413, code: "file_too_large" });
    const entry = emulator.log.uploads().at(-1);
    expect([entry?.status, entry?.bytes, entry?.sha256]).toEqual([413, undefined, undefined]);
  });

  it("streams a large upload to disk and hashes it (sha256 and byte count in the log)", async () => {
    const big = await startSynthetic({ maxUploadBytes: 32 * 1024 * 1024 });
    try {
      const pdf = makePdf(2);
      const bytes = new Uint8Array(12 * 1024 * 1024 + 123);
      bytes.set(randomBytes(bytes.length));
      bytes.set(pdf.subarray(0, 20));
      bytes.set(pdf, bytes.length - pdf.length);
      const job = await clientFor(big).extract(bytes);
      const [entry] = big.log.uploads();
      expect(entry).toMatchObject({ status: 200, sha256: sha256(bytes), bytes: bytes.length, jobId: job.id });
    } finally {
      await big.close();
    }
  });

  it("answers 415 unsupported_file_type by the file's bytes, whatever its name or declared type", async () => {
    for (const bytes of [Buffer.from("GIF89a......"), Buffer.from("hello, world"), Buffer.from([0x50, 0x4b, 3, 4, 0, 0])]) {
      const response = await rawUpload(emulator, bytes);
      expect([response.status, errorCode(response.json)]).toEqual([415, "unsupported_file_type"]);
    }
  });

  it("answers 400 missing_file and empty_file", async () => {
    const none = await rawUpload(emulator, undefined, { page_ranges: '[{"start":1,"end":1}]' });
    expect([none.status, errorCode(none.json)]).toEqual([400, "missing_file"]);
    const wrongName = await raw(emulator, "/v1/extract", {
      method: "POST",
      ...asBody(multipart([{ name: "document", value: PNG, filename: "a.png" }])),
    });
    expect([wrongName.status, errorCode(wrongName.json)]).toEqual([400, "missing_file"]);
    const empty = await rawUpload(emulator, new Uint8Array(0));
    expect([empty.status, errorCode(empty.json)]).toEqual([400, "empty_file"]);
  });

  it("answers 400 invalid_page_ranges to malformed, non-positive or reversed ranges", async () => {
    const bad = [
      "not json",
      "{}",
      "[]",
      '[{"start":0,"end":2}]',
      '[{"start":-1,"end":2}]',
      '[{"start":3,"end":2}]',
      '[{"start":1.5,"end":2}]',
      '[{"start":"1","end":"2"}]',
      '[{"start":1}]',
      "[1,2]",
      '[{"start":1,"end":1e12}]',
    ];
    for (const ranges of bad) {
      const response = await rawUpload(emulator, makePdf(2), { page_ranges: ranges });
      expect([ranges, response.status, errorCode(response.json)]).toEqual([ranges, 400, "invalid_page_ranges"]);
    }
    const ok = await rawUpload(emulator, makePdf(2), { page_ranges: '[{"start":1,"end":2}]' });
    expect(ok.status).toBe(200);
  });

  it("answers 400 invalid_model_profile to a profile /api/v1/info does not list", async () => {
    const error = await client.extract(makePdf(1), { modelProfile: "turbo" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error).toMatchObject({ status: 400, code: "invalid_model_profile" });
    for (const profile of ["standard", "fast", "accurate"]) {
      expect((await client.extract(makePdf(1), { modelProfile: profile })).status).toBe("pending");
    }
  });

  it("answers 400 invalid_multipart to bodies that are not well-formed multipart, and keeps serving", async () => {
    const cases: { headers: Record<string, string>; body: string | Buffer }[] = [
      { headers: { "content-type": "application/json" }, body: '{"file":"x"}' },
      { headers: { "content-type": "multipart/form-data" }, body: "--x\r\n" },
      { headers: {}, body: "raw bytes" },
      { headers: { "content-type": "text/plain" }, body: "%PDF-1.4" },
      // Truncated: no closing boundary.
      {
        headers: { "content-type": "multipart/form-data; boundary=zz" },
        body: '--zz\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n%PDF-1.4 ...',
      },
      // Garbage between boundaries.
      { headers: { "content-type": "multipart/form-data; boundary=zz" }, body: "--zz\r\nno headers here\r\n--zz--\r\n" },
      { headers: { "content-type": "multipart/form-data; boundary=zz" }, body: "" },
      { headers: { "content-type": "multipart/form-data; boundary=zz" }, body: "garbage" },
    ];
    for (const { headers, body } of cases) {
      const response = await raw(emulator, "/v1/extract", { method: "POST", headers, body });
      expect([headers, body, response.status, errorCode(response.json)]).toEqual([headers, body, 400, "invalid_multipart"]);
    }
    expect((await client.getBalance()).remainingPages).toBeGreaterThan(0);
  });

  it("fails jobs whose document cannot be read, with the engine's code", async () => {
    const ocr = (input: Uint8Array, options = {}) => client.ocr(input, options).catch((e: unknown) => e);
    // The upload does not parse the document: a broken PDF is accepted and the job fails.
    const broken = await rawUpload(emulator, Buffer.from("%PDF-1.4\n1 0 obj << >> endobj\n"));
    expect(broken.status).toBe(200);
    const [encrypted, beyond, failed] = await Promise.all([
      ocr(makePdf(2, { encrypted: true })),
      ocr(makePdf(2), { pageRanges: "2-5" }),
      client.waitForJob(broken.json?.id as string).catch((e: unknown) => e),
    ]);
    expect(encrypted).toBeInstanceOf(JobFailedError);
    expect(encrypted).toMatchObject({ code: "encrypted_pdf" });
    expect(beyond).toMatchObject({ code: "page_range_out_of_bounds" });
    expect(failed).toMatchObject({ code: "invalid_pdf" });
    const status = await client.getJob(broken.json?.id as string);
    expect(status.raw.error).toEqual({ code: "invalid_pdf", message: expect.any(String) });
    const result = await raw(emulator, `/v1/jobs/${broken.json?.id}/result`);
    expect([result.status, errorCode(result.json)]).toEqual([409, "job_failed"]);
  });
});

describe("idempotency and billing", () => {
  let emulator: Emulator;
  let client: SotaOcrClient;

  beforeAll(async () => {
    emulator = await startSynthetic({ initialBalance: 10 });
    client = clientFor(emulator);
  });
  afterAll(() => emulator.close());

  it("returns the same job for the same Idempotency-Key and file, bills it once, and refuses the key for another file", async () => {
    const pdf = makePdf(3);
    const first = await client.extract(pdf, { idempotencyKey: "key-1" });
    const again = await client.extract(pdf, { idempotencyKey: "key-1" });
    expect(again.id).toBe(first.id);
    await client.waitForJob(first.id);
    const replayAfter = await rawUpload(emulator, pdf, {}, { "idempotency-key": "key-1" });
    expect(replayAfter.json).toMatchObject({ id: first.id, status: "completed" });
    expect(replayAfter.headers.get("idempotent-replayed")).toBe("true");

    const reused = await client.extract(makePdf(4), { idempotencyKey: "key-1" }).catch((e: unknown) => e);
    expect(reused).toMatchObject({ status: 409, code: "idempotency_key_reused" });
    const otherRanges = await client.extract(pdf, { idempotencyKey: "key-1", pageRanges: "1" }).catch((e: unknown) => e);
    expect(otherRanges).toMatchObject({ status: 409, code: "idempotency_key_reused" });

    expect((await client.getBalance()).remainingPages).toBe(7);
    expect(emulator.log.uploadCountBySha256()[sha256(pdf)]).toBe(4);
    expect(
      new Set(
        emulator.log
          .uploads()
          .filter((e) => e.status === 200)
          .map((e) => e.jobId),
      ),
    ).toEqual(new Set([first.id]));
  });

  it("bills pages processed (page ranges count), once per job, and answers 402 when the balance is spent", async () => {
    await client.ocr(makePdf(5), { pageRanges: "2-4" });
    expect((await client.getBalance()).remainingPages).toBe(4);
    await client.ocr(makePdf(6));
    const balance = await client.getBalance();
    expect(balance.remainingPages).toBe(0);
    expect(balance.monthlyPages).toMatchObject({ total: 10, allocated: 12, remaining: 0 });
    const refused = await client.extract(makePdf(1)).catch((e: unknown) => e);
    expect(refused).toMatchObject({ status: 402, code: "insufficient_balance" });
  });
});

function asBody({ body, contentType }: { body: Buffer; contentType: string }) {
  return { body, headers: { "content-type": contentType } };
}
