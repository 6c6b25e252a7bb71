import { performance } from "node:perf_hooks";
import { job, type ScriptedServer, startScriptedServer } from "@sotaocr/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AbortError, JobFailedError, type JobProgress, NotFoundError, SotaOcrClient, TimeoutError } from "../src/index.js";

let server: ScriptedServer;
let client: SotaOcrClient;
beforeAll(async () => {
  server = await startScriptedServer();
  client = new SotaOcrClient({ apiKey: "sk-test", baseUrl: server.url });
});
afterAll(() => server.close());

const gapsOf = (route: string) => {
  const times = server.requestsTo(route).map((request) => request.at);
  return times.slice(1).map((at, i) => at - (times[i] as number));
};

// Each test polls its own job, so they run side by side.
describe.concurrent("waitForJob", () => {
  it("follows pending → running → completed, reporting each change once", async () => {
    server.on(
      "GET /v1/jobs/job_a",
      job("job_a", "pending"),
      job("job_a", "running", 3, 1),
      job("job_a", "running", 3, 1),
      job("job_a", "running", 3, 2),
      job("job_a", "completed", 3, 3),
    );
    const seen: JobProgress[] = [];
    const done = await client.waitForJob("job_a", { onProgress: (progress) => seen.push(progress) });
    expect(done).toMatchObject({ id: "job_a", status: "completed", phase: "completed", pageCount: 3, pagesCompleted: 3 });
    expect(seen.map((p) => `${p.status}:${p.pagesCompleted}/${p.pageCount}`)).toEqual([
      "pending:0/0",
      "running:1/3",
      "running:2/3",
      "completed:3/3",
    ]);
    expect(Math.min(...gapsOf("GET /v1/jobs/job_a"))).toBeGreaterThanOrEqual(1000);
  });

  it("keeps retried polls a full second apart too", async () => {
    server.on(
      "GET /v1/jobs/job_b",
      { status: 503, json: { error: { code: "unavailable" } } },
      { status: 502, body: "bad gateway" },
      job("job_b", "succeeded", 1, 1),
    );
    const done = await client.waitForJob("job_b");
    expect(done.phase).toBe("completed");
    expect(server.requestsTo("GET /v1/jobs/job_b")).toHaveLength(3);
    expect(Math.min(...gapsOf("GET /v1/jobs/job_b"))).toBeGreaterThanOrEqual(1000);
  });

  it("waits as long as a 429's Retry-After asks, in seconds or as an HTTP date", async () => {
    server.on(
      "GET /v1/jobs/job_c",
      { status: 429, json: { error: { code: "rate_limited" } }, headers: { "retry-after": "2" } },
      () => ({ status: 429, json: {}, headers: { "retry-after": new Date(Date.now() + 3000).toUTCString() } }),
      job("job_c", "completed", 1, 1),
    );
    await client.waitForJob("job_c");
    const [first, second] = gapsOf("GET /v1/jobs/job_c");
    expect(first).toBeGreaterThanOrEqual(1950);
    // An HTTP date has whole seconds: 3 s ahead means at least 2 s.
    expect(second).toBeGreaterThanOrEqual(1950);
  });

  it("treats an unknown status as in progress until the deadline, then names the job to resume", async () => {
    server.on("GET /v1/jobs/job_d", job("job_d", "warming_up"));
    const started = performance.now();
    const error = await client.waitForJob("job_d", { timeoutMs: 2500 }).catch((e: unknown) => e);
    const elapsed = performance.now() - started;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ jobId: "job_d" });
    expect((error as Error).message).toMatch(/Job job_d did not finish within 2500 ms.*waitForJob\("job_d"\)/);
    expect(elapsed).toBeLessThan(3500);
    expect(server.requestsTo("GET /v1/jobs/job_d").length).toBeGreaterThanOrEqual(2);
  });

  it("aborts promptly while sleeping between polls, naming the job", async () => {
    const controller = new AbortController();
    let abortedAt = 0;
    // Aborted 100 ms after the first poll is answered: while the client sleeps until the next one.
    server.on("GET /v1/jobs/job_e", () => {
      setTimeout(() => {
        abortedAt = performance.now();
        controller.abort();
      }, 100);
      return job("job_e", "running", 10, 1);
    });
    const error = await client.waitForJob("job_e", { signal: controller.signal }).catch((e: unknown) => e);
    // Well before the next poll was due (1 s after the first): the sleep did not run out.
    expect(performance.now() - abortedAt).toBeLessThan(500);
    expect(error).toBeInstanceOf(AbortError);
    expect(error).toMatchObject({ jobId: "job_e" });
    expect(server.requestsTo("GET /v1/jobs/job_e")).toHaveLength(1);
  });

  it("stops at a job that vanishes (404), without retrying", async () => {
    server.on("GET /v1/jobs/job_f", job("job_f", "running", 2, 0), {
      status: 404,
      json: { error: { code: "job_not_found", message: "no such job" } },
    });
    const error = await client.waitForJob("job_f").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({ jobId: "job_f", code: "job_not_found" });
    expect((error as Error).message).toMatch(/Job job_f does not exist for this API key/);
    expect(server.requestsTo("GET /v1/jobs/job_f")).toHaveLength(2);
  });

  it.each([
    ["failed", { error: { code: "invalid_pdf", message: "not a PDF" } }, /job_g_failed ended as "failed" \(invalid_pdf: not a PDF\)/],
    ["cancelled", {}, /ended as "cancelled"/],
    ["error", { error: "engine crashed" }, /\(engine crashed\)/],
  ])("raises JobFailedError when the job ends as %s", async (status, extra, message) => {
    const id = `job_g_${status}`;
    server.on(`GET /v1/jobs/${id}`, job(id, status, 1, 0, extra));
    const error = await client.waitForJob(id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobFailedError);
    expect(error).toMatchObject({ jobId: id, status });
    expect((error as Error).message).toMatch(message);
  });
});
