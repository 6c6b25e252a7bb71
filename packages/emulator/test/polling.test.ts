import { setTimeout as sleep } from "node:timers/promises";
import { parseRetryAfter } from "@sotaocr/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../src/index.js";
import { clientFor, errorCode, makePdf, raw, startSynthetic } from "./helpers.js";

describe("the once-per-second poll limit", () => {
  let emulator: Emulator;

  beforeAll(async () => {
    emulator = await startSynthetic({ synthetic: { msPerPage: 300 } });
  });
  afterAll(() => emulator.close());

  it("answers 429 rate_limited with Retry-After to two polls 100 ms apart; refused polls do not move the window", async () => {
    const job = await clientFor(emulator).extract(makePdf(6));
    const first = await raw(emulator, `/v1/jobs/${job.id}`);
    expect(first.status).toBe(200);
    await sleep(100);
    const second = await raw(emulator, `/v1/jobs/${job.id}`);
    expect([second.status, errorCode(second.json)]).toEqual([429, "rate_limited"]);
    expect(second.headers.get("retry-after")).toBe("1");
    // A result request while the job runs (202) is a poll too, refused as well.
    await sleep(100);
    const result = await raw(emulator, `/v1/jobs/${job.id}/result`);
    expect([result.status, errorCode(result.json)]).toEqual([429, "rate_limited"]);
    // 1 s after the first accepted poll, whatever was refused in between.
    const firstAt = emulator.log.pollTimes(job.id)[0] as number;
    await sleep(Math.max(0, firstAt + 1010 - performance.now()));
    const third = await raw(emulator, `/v1/jobs/${job.id}/result`);
    expect([third.status, errorCode(third.json)]).toEqual([202, "result_not_ready"]);
    const fourth = await raw(emulator, `/v1/jobs/${job.id}`);
    expect(fourth.status).toBe(429);

    const times = emulator.log.pollTimes(job.id);
    expect(times).toHaveLength(5);
    const statuses = emulator.log.entries.filter((entry) => entry.poll && entry.jobId === job.id).map((entry) => entry.status);
    expect(statuses).toEqual([200, 429, 429, 202, 429]);
    // Requests that are not polls are not limited: the balance, the upload, a completed result.
    expect((await raw(emulator, "/v1/balance")).status).toBe(200);
  });

  it("never gets a 429 from the client's ocr(), which keeps its polls at least 1 s apart", async () => {
    const client = clientFor(emulator);
    const progress: number[] = [];
    const results = await Promise.all(
      [4, 7, 2].map((pages) => client.ocr(makePdf(pages), { onProgress: (p) => progress.push(p.pagesCompleted ?? 0) })),
    );
    expect(results.map((result) => result.pages.length)).toEqual([4, 7, 2]);
    for (const { jobId } of results) {
      const entries = emulator.log.entries.filter((entry) => entry.jobId === jobId);
      expect(entries.map((entry) => entry.status)).not.toContain(429);
      const times = emulator.log.pollTimes(jobId);
      expect(times.length).toBeGreaterThanOrEqual(1);
      for (let i = 1; i < times.length; i++) expect((times[i] as number) - (times[i - 1] as number)).toBeGreaterThanOrEqual(1000);
    }
    // The 7-page job (2.1 s) was seen part-way: pages_completed advances page by page.
    expect(progress.some((done) => done > 0 && done < 7)).toBe(true);
  });

  it("sends Retry-After as an HTTP date when asked, never earlier than the window's end", async () => {
    const dated = await startSynthetic({ synthetic: { msPerPage: 300 }, faults: { retryAfter: "date" } });
    try {
      const job = await clientFor(dated).extract(makePdf(4));
      expect((await raw(dated, `/v1/jobs/${job.id}`)).status).toBe(200);
      const refused = await raw(dated, `/v1/jobs/${job.id}`);
      expect(refused.status).toBe(429);
      const header = refused.headers.get("retry-after") as string;
      expect(header).toMatch(/^[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT$/);
      const waitMs = parseRetryAfter({ "retry-after": header }) as number;
      const firstAt = dated.log.pollTimes(job.id)[0] as number;
      expect(performance.now() + waitMs).toBeGreaterThanOrEqual(firstAt + 1000);
      expect(waitMs).toBeLessThanOrEqual(2000);
    } finally {
      await dated.close();
    }
  });

  it("has a configurable interval (pollIntervalMs)", async () => {
    const fast = await startSynthetic({ pollIntervalMs: 300, synthetic: { msPerPage: 300 } });
    try {
      const job = await clientFor(fast).extract(makePdf(3));
      expect((await raw(fast, `/v1/jobs/${job.id}`)).status).toBe(200);
      expect((await raw(fast, `/v1/jobs/${job.id}`)).status).toBe(429);
      await sleep(320);
      expect((await raw(fast, `/v1/jobs/${job.id}`)).status).toBe(200);
    } finally {
      await fast.close();
    }
  });
});
