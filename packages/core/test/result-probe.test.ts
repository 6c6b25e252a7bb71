import { performance } from "node:perf_hooks";
import { answerUploadsByFileName, job, makePdf, type Reply, type ScriptedServer, startScriptedServer } from "@sotaocr/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type JobProgress, SotaOcrClient } from "../src/index.js";

/**
 * When page progress says a job is most likely done, `ocr()` asks for the result instead of the
 * status: one request less per job, and the result a round trip sooner.
 */

let server: ScriptedServer;
/** A client per test: one client learns its key's pace across jobs (`PaceMemory`), which would make these tests depend on their order. */
const newClient = () => new SotaOcrClient({ apiKey: "sk-test", baseUrl: server.url });
const pdf = makePdf(["one", "two", "three", "four"]);
const uploadedAt = new Map<string, number>();

beforeAll(async () => {
  server = await startScriptedServer();
  answerUploadsByFileName(server, uploadedAt);
});
afterAll(() => server.close());

const pages = [1, 2, 3, 4].map((n) => ({ page_number: n, markdown: `Page ${n}`, text: `Page ${n}` }));

/**
 * A 4-page job whose pages finish every `msPerPage` from the upload; it reads as completed (and
 * its result exists) from `completeAtMs`. `notReady` is what the result route answers before.
 */
function scriptJob(id: string, msPerPage: number, completeAtMs: number, notReady: Reply) {
  const elapsed = () => performance.now() - (uploadedAt.get(id) ?? Number.POSITIVE_INFINITY);
  server.on(`GET /v1/jobs/${id}`, () =>
    elapsed() >= completeAtMs ? job(id, "completed", 4, 4) : job(id, "running", 4, Math.min(4, Math.floor(elapsed() / msPerPage))),
  );
  server.on(`GET /v1/jobs/${id}/result`, () => (elapsed() >= completeAtMs ? { json: { job_id: id, page_count: 4, pages } } : notReady));
}

const notReady202: Reply = { status: 202, json: { error: { code: "result_not_ready", message: "not yet" } } };

/** Every request about the job, in order, as "status" or "result", with the gaps between them. */
function requestsAbout(id: string) {
  const about = server.requests.filter((request) => request.path.startsWith(`/v1/jobs/${id}`));
  return {
    kinds: about.map((request) => (request.path.endsWith("/result") ? `result:${request.query.get("format")}` : "status")),
    gaps: about.slice(1).map((request, i) => request.at - (about[i] as (typeof about)[number]).at),
  };
}

describe.concurrent("ocr() asks for the result when the job is likely done", () => {
  it("fetches the result in place of the last status poll", async () => {
    const client = newClient();
    // 400 ms a page: the first poll (1 s) sees 2 of 4 pages, so the job ends by 2 s at the latest.
    scriptJob("job_p1", 400, 1600, notReady202);
    const seen: JobProgress[] = [];
    const result = await client.ocr(pdf, { filename: "job_p1.pdf", onProgress: (progress) => seen.push(progress) });
    expect(result.pages.map((page) => [page.pageNumber, page.content])).toEqual(pages.map((page) => [page.page_number, page.markdown]));
    const { kinds, gaps } = requestsAbout("job_p1");
    expect(kinds).toEqual(["status", "result:json"]);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1000);
    // The progress still ends at "completed", every page done.
    expect(seen.at(-1)).toMatchObject({ status: "completed", pageCount: 4, pagesCompleted: 4 });
  });

  it("takes a 202 as a poll that saw the job unfinished; the next look, a second later, is a status poll", async () => {
    const client = newClient();
    // Pages done by 1.6 s, but the result takes until 2.5 s.
    scriptJob("job_p2", 400, 2500, notReady202);
    const result = await client.ocr(pdf, { filename: "job_p2.pdf" });
    expect(result.pages).toHaveLength(4);
    const { kinds, gaps } = requestsAbout("job_p2");
    expect(kinds).toEqual(["status", "result:json", "status", "result:json"]);
    expect(Math.min(...gaps.slice(0, -1))).toBeGreaterThanOrEqual(1000);
  });

  it("still sees a job fail on a server that answers 202 for its result forever", async () => {
    const client = newClient();
    const elapsed = () => performance.now() - (uploadedAt.get("job_p5") ?? Number.POSITIVE_INFINITY);
    server.on("GET /v1/jobs/job_p5", () =>
      elapsed() >= 1600
        ? job("job_p5", "failed", 4, 3, { error: { code: "ocr_failed" } })
        : job("job_p5", "running", 4, Math.floor(elapsed() / 400)),
    );
    server.on("GET /v1/jobs/job_p5/result", notReady202);
    const error = await client.ocr(pdf, { filename: "job_p5.pdf" }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "JobFailedError", code: "ocr_failed", jobId: "job_p5" });
    expect(requestsAbout("job_p5").kinds).toEqual(["status", "result:json", "status"]);
  });

  it("takes a result with fewer pages than the job as not finished", async () => {
    const client = newClient();
    const elapsed = () => performance.now() - (uploadedAt.get("job_p6") ?? Number.POSITIVE_INFINITY);
    server.on("GET /v1/jobs/job_p6", () =>
      elapsed() >= 2500 ? job("job_p6", "completed", 4, 4) : job("job_p6", "running", 4, Math.min(4, Math.floor(elapsed() / 400))),
    );
    server.on("GET /v1/jobs/job_p6/result", () =>
      elapsed() >= 2500
        ? { json: { job_id: "job_p6", page_count: 4, pages } }
        : { json: { job_id: "job_p6", page_count: 2, pages: pages.slice(0, 2) } },
    );
    const result = await client.ocr(pdf, { filename: "job_p6.pdf" });
    expect(result.pages).toHaveLength(4);
    expect(requestsAbout("job_p6").kinds).toEqual(["status", "result:json", "status", "result:json"]);
  });

  it("takes a 200 with only the pages done so far as not finished, whatever page_count it claims", async () => {
    const client = newClient();
    const elapsed = () => performance.now() - (uploadedAt.get("job_p7") ?? Number.POSITIVE_INFINITY);
    server.on("GET /v1/jobs/job_p7", () =>
      elapsed() >= 2500 ? job("job_p7", "completed", 4, 4) : job("job_p7", "running", 4, Math.min(4, Math.floor(elapsed() / 400))),
    );
    server.on("GET /v1/jobs/job_p7/result", () =>
      elapsed() >= 2500
        ? { json: { job_id: "job_p7", page_count: 4, pages } }
        : { json: { job_id: "job_p7", page_count: 4, pages: pages.slice(0, 2) } },
    );
    const result = await client.ocr(pdf, { filename: "job_p7.pdf" });
    expect(result.pages.map((page) => page.pageNumber)).toEqual([1, 2, 3, 4]);
    const { kinds, gaps } = requestsAbout("job_p7");
    expect(kinds).toEqual(["status", "result:json", "status", "result:json"]);
    expect(Math.min(...gaps.slice(0, -1))).toBeGreaterThanOrEqual(1000);
  });

  it("takes a 200 without per-page structure and with fewer pages than the job as not finished", async () => {
    const client = newClient();
    const elapsed = () => performance.now() - (uploadedAt.get("job_p8") ?? Number.POSITIVE_INFINITY);
    server.on("GET /v1/jobs/job_p8", () =>
      elapsed() >= 2500 ? job("job_p8", "completed", 4, 4) : job("job_p8", "running", 4, Math.min(4, Math.floor(elapsed() / 400))),
    );
    // One text for the whole job, no form feeds: only page_count tells the partial answer from the final one.
    server.on("GET /v1/jobs/job_p8/result", () =>
      elapsed() >= 2500
        ? { json: { job_id: "job_p8", page_count: 4, content: "all four pages" } }
        : { json: { job_id: "job_p8", page_count: 2, content: "the first two pages" } },
    );
    const result = await client.ocr(pdf, { filename: "job_p8.pdf" });
    expect(result.pages.map((page) => page.content)).toEqual(["all four pages"]);
    expect(requestsAbout("job_p8").kinds.slice(0, 2)).toEqual(["status", "result:json"]);
  });

  it("goes back to status polls when the server refuses a running job's result with an error", async () => {
    const client = newClient();
    const refused: Reply = { status: 400, json: { error: { code: "job_not_completed", message: "The job is still running." } } };
    scriptJob("job_p3", 400, 2500, refused);
    const result = await client.ocr(pdf, { filename: "job_p3.pdf" });
    expect(result.pages).toHaveLength(4);
    const { kinds, gaps } = requestsAbout("job_p3");
    // One refused look, then status polls until completed, then the result.
    expect(kinds[0]).toBe("status");
    expect(kinds[1]).toBe("result:json");
    expect(kinds.slice(2, -1).every((kind) => kind === "status")).toBe(true);
    expect(kinds.at(-1)).toBe("result:json");
    // (The result of a job seen completed is fetched at once: that request is not a poll.)
    expect(Math.min(...gaps.slice(0, -1))).toBeGreaterThanOrEqual(1000);
  });

  it("keeps to status polls in waitForJob, which does not fetch results", async () => {
    const client = newClient();
    scriptJob("job_p4", 400, 1600, notReady202);
    const created = await client.extract(pdf, { filename: "job_p4.pdf" });
    await client.waitForJob(created.id);
    expect(requestsAbout("job_p4").kinds.every((kind) => kind === "status")).toBe(true);
  });
});
