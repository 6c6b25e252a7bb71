import { APIConnectionError, InternalServerError, JobFailedError } from "@sotaocr/core";
import { describe, expect, it } from "vitest";
import type { Emulator, EmulatorOptions } from "../src/index.js";
import { clientFor, makePdf, raw, seedWhere, sha256, startSynthetic } from "./helpers.js";

/** Runs `test` against a synthetic emulator with `faults`, closing it afterwards. */
async function withFaults(faults: EmulatorOptions["faults"], test: (emulator: Emulator) => Promise<void>, options: EmulatorOptions = {}) {
  const emulator = await startSynthetic({ ...options, faults });
  try {
    await test(emulator);
  } finally {
    await emulator.close();
  }
}

const faultsOn = (emulator: Emulator, route: string) =>
  emulator.log.entries.filter((entry) => entry.route === route).map((entry) => [entry.fault, entry.status]);

// Each request on a fault route draws one number: faults are exclusive bands in the order
// reset, serverError, rateLimit, slow, ambiguousUpload. seedWhere picks a seed whose draws give
// the sequence a test wants.
const FAULT = (p: number) => (u: number) => u < p;
const CLEAN = (p: number) => (u: number) => u >= p;

describe.concurrent("injected faults, and the client recovering from them", () => {
  it("server errors on reads: the client retries and the log shows the 5xx then the 200", async () => {
    // A draw below 1/6 of the band is a 500, then 502, then 503.
    const seed = seedWhere(2, ([a, b]) => (a as number) < 0.5 / 6 && CLEAN(0.5)(b as number));
    await withFaults({ seed, serverError: 0.5, routes: ["balance"] }, async (emulator) => {
      const balance = await clientFor(emulator, { maxRetries: 2 }).getBalance();
      expect(balance.remainingPages).toBe(10_000);
      expect(faultsOn(emulator, "balance")).toEqual([
        ["server_error", 500],
        [undefined, 200],
      ]);
    });
  });

  it("a 503 on an upload carries Retry-After; the client retries it and exactly one job exists", async () => {
    const seed = seedWhere(2, ([a, b]) => (a as number) >= (0.5 * 2) / 3 && FAULT(0.5)(a as number) && CLEAN(0.5)(b as number));
    await withFaults({ seed, serverError: 0.5, routes: ["extract"] }, async (emulator) => {
      const result = await clientFor(emulator).ocr(makePdf(2));
      expect(result.pages).toHaveLength(2);
      expect(faultsOn(emulator, "extract")).toEqual([
        ["server_error", 503],
        [undefined, 200],
      ]);
      const [first, second] = emulator.log.uploads();
      expect(second?.time as number).toBeGreaterThanOrEqual((first?.time as number) + 1000); // Retry-After: 1
      expect(first?.jobId).toBeUndefined();
    });
  });

  it("spurious 429s: the client waits for Retry-After and polls on", async () => {
    const seed = seedWhere(2, ([a, b]) => FAULT(0.5)(a as number) && CLEAN(0.5)(b as number));
    await withFaults({ seed, rateLimit: 0.5, routes: ["job"] }, async (emulator) => {
      const result = await clientFor(emulator).ocr(makePdf(1));
      expect(faultsOn(emulator, "job")).toEqual([
        ["rate_limit", 429],
        [undefined, 200],
      ]);
      const times = emulator.log.pollTimes(result.jobId);
      expect((times[1] as number) - (times[0] as number)).toBeGreaterThanOrEqual(1000);
    });
  });

  it("Retry-After alternates between seconds and an HTTP date with retryAfter: both", async () => {
    await withFaults({ rateLimit: 1, retryAfter: "both", routes: ["balance"] }, async (emulator) => {
      const headers: (string | null)[] = [];
      for (let i = 0; i < 4; i++) headers.push((await raw(emulator, "/v1/balance")).headers.get("retry-after"));
      expect(headers.map((value) => (value && /GMT$/.test(value) ? "date" : value))).toEqual(["1", "date", "1", "date"]);
    });
  });

  it("connection resets on reads: the client retries", async () => {
    const seed = seedWhere(2, ([a, b]) => FAULT(0.5)(a as number) && CLEAN(0.5)(b as number));
    await withFaults({ seed, reset: 0.5, routes: ["result"] }, async (emulator) => {
      const result = await clientFor(emulator).ocr(makePdf(2));
      expect(result.pages.map((page) => page.pageNumber)).toEqual([1, 2]);
      expect(faultsOn(emulator, "result")).toEqual([
        ["reset", undefined],
        [undefined, 200],
      ]);
    });
  });

  it("a reset upload is cut before its body is read: no job exists, and the client's retry makes the only one", async () => {
    const seed = seedWhere(2, ([a, b]) => FAULT(0.5)(a as number) && CLEAN(0.5)(b as number));
    await withFaults({ seed, reset: 0.5, routes: ["extract"] }, async (emulator) => {
      // Large enough that the body cannot have left whole when the connection drops, so the
      // client knows no job can exist and retries on its own.
      const pdf = makePdf(1);
      const bytes = new Uint8Array(8 * 1024 * 1024).fill(0x20);
      bytes.set(pdf.subarray(0, 20));
      bytes.set(pdf, bytes.length - pdf.length);
      const job = await clientFor(emulator).extract(bytes);
      const uploads = emulator.log.uploads();
      expect(uploads.map((entry) => [entry.fault, entry.status, entry.sha256, entry.jobId])).toEqual([
        ["reset", undefined, undefined, undefined],
        [undefined, 200, sha256(bytes), job.id],
      ]);
      expect(uploads[0]?.idempotencyKey).toBe(uploads[1]?.idempotencyKey);
    });
  });

  it("slow answers: delayed by slowMs; a client with a shorter timeout retries", async () => {
    const seed = seedWhere(2, ([a, b]) => FAULT(0.5)(a as number) && CLEAN(0.5)(b as number));
    await withFaults({ seed, slow: 0.5, slowMs: 3000, routes: ["info"] }, async (emulator) => {
      const started = performance.now();
      const info = await clientFor(emulator, { timeoutMs: 400, maxRetries: 1 }).getInfo();
      expect(info.modelProfiles).toHaveLength(3);
      expect(performance.now() - started).toBeLessThan(2500);
      expect(emulator.log.entries.filter((entry) => entry.route === "info").map((entry) => entry.fault)).toEqual(["slow", undefined]);
    });
    await withFaults({ slow: 1, slowMs: 300, routes: ["balance"] }, async (emulator) => {
      const started = performance.now();
      await clientFor(emulator).getBalance();
      expect(performance.now() - started).toBeGreaterThanOrEqual(290);
      expect(faultsOn(emulator, "balance")).toEqual([["slow", 200]]);
    });
  });

  it("an ambiguous upload creates its job and drops the connection; the same Idempotency-Key finds that job", async () => {
    const seed = seedWhere(2, ([a, b]) => FAULT(0.5)(a as number) && CLEAN(0.5)(b as number));
    // Without retryAmbiguousUploads the client says a job may exist; a retry with the key gets it.
    await withFaults({ seed, ambiguousUpload: 0.5, routes: ["extract"] }, async (emulator) => {
      const client = clientFor(emulator);
      const pdf = makePdf(3);
      const error = await client.extract(pdf, { idempotencyKey: "upload-1" }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(APIConnectionError);
      expect(error).toMatchObject({ mayHaveCreatedJob: true, idempotencyKey: "upload-1" });
      const job = await client.extract(pdf, { idempotencyKey: "upload-1" });
      const uploads = emulator.log.uploads();
      expect(uploads.map((entry) => [entry.fault, entry.status, entry.jobId])).toEqual([
        ["ambiguous_upload", undefined, job.id],
        [undefined, 200, job.id],
      ]);
    });
    // With retryAmbiguousUploads the client retries by itself: one job, billed once.
    await withFaults({ seed, ambiguousUpload: 0.5, routes: ["extract"] }, async (emulator) => {
      const client = clientFor(emulator, { retryAmbiguousUploads: true });
      const result = await client.ocr(makePdf(3));
      const uploads = emulator.log.uploads();
      expect(uploads).toHaveLength(2);
      expect(new Set(uploads.map((entry) => entry.jobId))).toEqual(new Set([result.jobId]));
      expect(uploads[0]?.idempotencyKey).toBe(uploads[1]?.idempotencyKey);
      expect((await client.getBalance()).remainingPages).toBe(10_000 - 3);
    });
  });

  it("failJob: the job runs, then ends failed with ocr_failed; nothing is billed", async () => {
    await withFaults({ failJob: 1 }, async (emulator) => {
      const client = clientFor(emulator);
      const error = await client.ocr(makePdf(4)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(JobFailedError);
      expect(error).toMatchObject({ code: "ocr_failed" });
      const jobId = (error as JobFailedError).jobId as string;
      const job = await client.getJob(jobId);
      expect(job).toMatchObject({ status: "failed", pageCount: 4, pagesCompleted: 2, error: { code: "ocr_failed" } });
      // The result route answers 409 job_failed, which the client raises as the job's failure.
      await expect(client.getResult(jobId, { maxRetries: 0 })).rejects.toMatchObject({ name: "JobFailedError", jobId, code: "job_failed" });
      expect((await client.getBalance()).remainingPages).toBe(10_000);
    });
  });

  it("failFiles: a listed document always fails, others do not", async () => {
    const bad = makePdf(1, { label: "bad" });
    await withFaults({ failFiles: [sha256(bad).toUpperCase()] }, async (emulator) => {
      const client = clientFor(emulator);
      const [first, second, good] = await Promise.all([
        client.ocr(bad).catch((e: unknown) => e),
        client.ocr(bad).catch((e: unknown) => e),
        client.ocr(makePdf(1, { label: "good" })),
      ]);
      expect(first).toMatchObject({ code: "ocr_failed" });
      expect(second).toMatchObject({ code: "ocr_failed" });
      expect(good.pages).toHaveLength(1);
    });
  });

  it("faults apply only to the routes listed", async () => {
    await withFaults({ serverError: 1, routes: ["info"] }, async (emulator) => {
      const client = clientFor(emulator, { maxRetries: 0 });
      expect((await client.getBalance()).remainingPages).toBe(10_000);
      await expect(client.getInfo()).rejects.toBeInstanceOf(InternalServerError);
      expect(emulator.log.entries.map((entry) => [entry.route, entry.fault])).toEqual([
        ["balance", undefined],
        ["info", "server_error"],
      ]);
    });
  });

  it("the same seed gives the same faults; another seed, others", async () => {
    const run = async (seed: number) => {
      let statuses: (number | undefined)[] = [];
      await withFaults({ seed, serverError: 0.3, rateLimit: 0.2 }, async (emulator) => {
        for (let i = 0; i < 16; i++) await raw(emulator, "/api/v1/info");
        statuses = emulator.log.entries.map((entry) => entry.status);
      });
      return statuses;
    };
    const [a, b, c] = [await run(7), await run(7), await run(8)];
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(a.filter((status) => status !== 200).length).toBeGreaterThan(0);
  });
});
