import { performance } from "node:perf_hooks";
import { type Emulator, startEmulator } from "@sotaocr/emulator";
import { answerUploadsByFileName, job, makePdf, type ScriptedServer, startScriptedServer } from "@sotaocr/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SotaOcrClient } from "../src/index.js";

/**
 * A client learns its key's page pace from the jobs it saw complete, so a short job's first look
 * lands just past its likely end instead of a full second after the upload; looks of one job stay
 * a second apart, and a server that refuses an early first look gets full intervals after uploads
 * again (docs/api-contract.md, "Rate limits and polling").
 */

const pdfOf = (pages: number, label: string) => makePdf(Array.from({ length: pages }, (_, i) => `${label} page ${i + 1}`));

describe("a client that has seen jobs of a fixed page time", () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({ engine: "synthetic", synthetic: { msPerPage: 300 } });
  });
  afterAll(() => emulator.close());

  it("looks at a short job first just after its end, well before a second, never polling a job twice within a second", async () => {
    const client = new SotaOcrClient({ baseUrl: emulator.url, apiKey: emulator.apiKey });
    const jobIds: string[] = [];
    for (const [i, pages] of [2, 3, 1, 2, 4, 3].entries()) jobIds.push((await client.ocr(pdfOf(pages, `learn ${i}`))).jobId);
    const short = (await client.ocr(pdfOf(1, "short"))).jobId;
    jobIds.push(short, (await client.ocr(pdfOf(3, "longer"))).jobId);

    const entries = emulator.log.entries;
    const upload = entries.find((entry) => entry.route === "extract" && entry.jobId === short);
    const answered = (upload?.time ?? 0) + (upload?.durationMs ?? 0);
    const looks = entries.filter((entry) => entry.jobId === short && entry.route !== "extract");
    // One look found the 1-page job (300 ms) done, then its result: no poll while it ran.
    expect(emulator.log.pollTimes(short)).toHaveLength(1);
    const firstLook = (looks[0]?.time ?? Number.POSITIVE_INFINITY) - answered;
    // Not before the job could end (the one poll above found it done), give or take the pace's
    // slack and a loaded machine's timers: a CI run saw 286 ms.
    expect(firstLook).toBeGreaterThanOrEqual(200);
    expect(firstLook).toBeLessThan(800);
    for (const id of jobIds) {
      const times = emulator.log.pollTimes(id);
      for (let i = 1; i < times.length; i++) expect([id, (times[i] as number) - (times[i - 1] as number) >= 1000]).toEqual([id, true]);
    }
    expect(entries.filter((entry) => entry.status === 429)).toEqual([]);
  }, 60_000);
});

describe("a client that knows the pages it uploads", () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({ engine: "synthetic", synthetic: { msPerPage: 300 } });
  });
  afterAll(() => emulator.close());

  it("after learning the pace on 1-page jobs, looks at a 3-page job first just after its end, not at a 1-page end", async () => {
    const client = new SotaOcrClient({ baseUrl: emulator.url, apiKey: emulator.apiKey });
    const jobIds: string[] = [];
    for (let i = 0; i < 5; i++) jobIds.push((await client.ocr(pdfOf(1, `one ${i}`))).jobId);
    const longer = (await client.ocr(pdfOf(3, "three"))).jobId;
    jobIds.push(longer);

    const entries = emulator.log.entries;
    const upload = entries.find((entry) => entry.route === "extract" && entry.jobId === longer);
    const answered = (upload?.time ?? 0) + (upload?.durationMs ?? 0);
    const looks = entries.filter((entry) => entry.jobId === longer && entry.route !== "extract");
    // The upload answered `page_count: 0`; the client counted 3 pages (900 ms) and looked once, after.
    const firstLook = (looks[0]?.time ?? Number.POSITIVE_INFINITY) - answered;
    // Not at the 1-page end (~300 ms): at the 3-page one, less the pace's slack (the one poll found it done).
    expect(firstLook).toBeGreaterThanOrEqual(750);
    expect(emulator.log.pollTimes(longer)).toHaveLength(1);
    for (const id of jobIds) {
      const times = emulator.log.pollTimes(id);
      for (let i = 1; i < times.length; i++) expect([id, (times[i] as number) - (times[i - 1] as number) >= 1000]).toEqual([id, true]);
    }
    expect(entries.filter((entry) => entry.status === 429)).toEqual([]);
  }, 60_000);
});

describe("a client that knows it uploaded a job longer than a poll interval", () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({ engine: "synthetic", synthetic: { msPerPage: 400 } });
  });
  afterAll(() => emulator.close());

  it("looks first an interval before the job's end, so the next look (a second later) lands just after it", async () => {
    const client = new SotaOcrClient({ baseUrl: emulator.url, apiKey: emulator.apiKey });
    for (let i = 0; i < 5; i++) await client.ocr(pdfOf(1, `one ${i}`));
    const longer = (await client.ocr(pdfOf(3, "three"))).jobId; // ends 1.2 s after its upload

    const entries = emulator.log.entries;
    const upload = entries.find((entry) => entry.route === "extract" && entry.jobId === longer);
    const answered = (upload?.time ?? 0) + (upload?.durationMs ?? 0);
    const looks = entries.filter((entry) => entry.jobId === longer && entry.route !== "extract").map((entry) => entry.time - answered);
    // A first look at a full interval would put the next at 2 s, 0.8 s after the end.
    // Aimed at ~250 and ~1250 ms; the upper bounds leave room for a loaded machine's late timers.
    expect(looks[0]).toBeLessThan(900);
    expect(looks[1]).toBeGreaterThanOrEqual(1150);
    expect(looks[1]).toBeLessThan(1900);
    const times = emulator.log.pollTimes(longer);
    for (let i = 1; i < times.length; i++) expect((times[i] as number) - (times[i - 1] as number)).toBeGreaterThanOrEqual(1000);
  }, 60_000);
});

describe("an early first look answered 429", () => {
  let server: ScriptedServer;
  const uploadedAt = new Map<string, number>();
  beforeAll(async () => {
    server = await startScriptedServer();
    answerUploadsByFileName(server, uploadedAt);
  });
  afterAll(() => server.close());

  /** A job of `pages` pages of 300 ms from its upload; `refuseFirst`: its first status poll is answered 429. */
  function scriptJob(id: string, pages: number, refuseFirst = false) {
    const elapsed = () => performance.now() - (uploadedAt.get(id) ?? Number.POSITIVE_INFINITY);
    const done = () => Math.min(pages, Math.floor(elapsed() / 300));
    const status = () => (done() >= pages ? job(id, "completed", pages, pages) : job(id, "running", pages, done()));
    const refused = { status: 429, json: { error: { code: "rate_limited", message: "once a second" } }, headers: { "retry-after": "1" } };
    server.on(`GET /v1/jobs/${id}`, ...(refuseFirst ? [refused, status] : [status]));
    const result = Array.from({ length: pages }, (_, i) => ({ page_number: i + 1, markdown: `Page ${i + 1}`, text: `Page ${i + 1}` }));
    server.on(`GET /v1/jobs/${id}/result`, () =>
      done() >= pages
        ? { json: { job_id: id, page_count: pages, pages: result } }
        : { status: 202, json: { error: { code: "result_not_ready", message: "not yet" } } },
    );
  }

  const firstLookAfterUpload = (id: string) => {
    const upload = server
      .requestsTo("POST /v1/extract")
      .find((request) => request.body.toString("latin1").includes(`filename="${id}.pdf"`));
    const look = server.requests.find((request) => request.path.startsWith(`/v1/jobs/${id}`));
    return (look?.at ?? Number.POSITIVE_INFINITY) - (upload?.at ?? 0);
  };

  it("makes the client wait a full interval after its uploads again, the 429 waited out as before", async () => {
    const client = new SotaOcrClient({ apiKey: "sk-test", baseUrl: server.url });
    for (const [i, pages] of [2, 3, 1, 2, 4, 3].entries()) {
      scriptJob(`job_learn${i}`, pages);
      await client.ocr(pdfOf(pages, "learn"), { filename: `job_learn${i}.pdf` });
    }
    scriptJob("job_refused", 1, true);
    const refused = await client.ocr(pdfOf(1, "refused"), { filename: "job_refused.pdf" });
    expect(refused.pages).toHaveLength(1);
    // Its first look came early, and was refused; the retry waited for Retry-After.
    expect(firstLookAfterUpload("job_refused")).toBeLessThan(800);
    const polls = server.requestsTo("GET /v1/jobs/job_refused").map((request) => request.at);
    expect(polls.length).toBeGreaterThanOrEqual(2);
    expect((polls[1] as number) - (polls[0] as number)).toBeGreaterThanOrEqual(1000);

    scriptJob("job_after", 1);
    await client.ocr(pdfOf(1, "after"), { filename: "job_after.pdf" });
    expect(firstLookAfterUpload("job_after")).toBeGreaterThanOrEqual(1000);
  }, 60_000);
});
