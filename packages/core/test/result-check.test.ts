import { job, makePdf, type Reply, type ScriptedServer, startScriptedServer } from "@sotaocr/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvalidResponseError, SotaOcrClient } from "../src/index.js";

/**
 * A result is final only when its pages are exactly the job's: every page once, none outside it.
 * Pages merely missing may still come (asked again like a poll); anything else is an error.
 */

let server: ScriptedServer;
let client: SotaOcrClient;
const pdf = makePdf(["one", "two", "three", "four"]);

beforeAll(async () => {
  server = await startScriptedServer();
  client = new SotaOcrClient({ apiKey: "sk-test", baseUrl: server.url });
  // The upload's file name is the job's id, so tests running side by side each get their own job.
  server.on("POST /v1/extract", (request) =>
    job(/filename="([^"]+)\.pdf"/.exec(request.body.toString("latin1"))?.[1] ?? "job_?", "pending"),
  );
});
afterAll(() => server.close());

const page = (n: number) => ({ page_number: n, markdown: `Page ${n}`, text: `Page ${n}` });

/** A job that is completed with `pageCount` pages at its first poll, and whose result answers `results` in turn. */
function scriptJob(id: string, pageCount: number, ...results: Reply[]) {
  server.on(`GET /v1/jobs/${id}`, job(id, "completed", pageCount, pageCount));
  server.on(`GET /v1/jobs/${id}/result`, ...results);
}
const resultRequests = (id: string) => server.requestsTo(`GET /v1/jobs/${id}/result`);
const gaps = (id: string) =>
  resultRequests(id)
    .slice(1)
    .map((request, i) => request.at - (resultRequests(id)[i]?.at ?? 0));
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error as InvalidResponseError,
  );

describe.concurrent("a result is checked against its job", () => {
  it("a completed 3-page job whose result lacks page 2: asked again a second apart, then an error naming the job and the page", async () => {
    scriptJob("job_gap", 3, { json: { job_id: "job_gap", page_count: 3, pages: [page(1), page(3)] } });
    const error = await failure(client.ocr(pdf, { filename: "job_gap.pdf" }));
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error?.jobId).toBe("job_gap");
    expect(error?.message).toMatch(/job job_gap.*page 2 missing/);
    expect(resultRequests("job_gap")).toHaveLength(3); // the first, then maxRetries (2) more
    expect(Math.min(...gaps("job_gap"))).toBeGreaterThanOrEqual(1000);
  });

  it("a result still filling in after completion is waited for, like a poll", async () => {
    scriptJob(
      "job_fill",
      3,
      { json: { page_count: 3, pages: [page(1), page(3)] } },
      { json: { page_count: 3, pages: [page(1), page(2), page(3)] } },
    );
    const result = await client.ocr(pdf, { filename: "job_fill.pdf" });
    expect(result.pages.map((p) => p.pageNumber)).toEqual([1, 2, 3]);
    expect(result.pageCount).toBe(3);
    expect(resultRequests("job_fill")).toHaveLength(2);
    expect(Math.min(...gaps("job_fill"))).toBeGreaterThanOrEqual(1000);
  });

  it("a page number twice: an error at once, naming it (two Documents would share an id)", async () => {
    scriptJob("job_dup", 3, { json: { page_count: 3, pages: [page(1), page(2), page(2)] } });
    const error = await failure(client.ocr(pdf, { filename: "job_dup.pdf" }));
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error?.message).toMatch(/job job_dup.*page 2 twice/);
    expect(resultRequests("job_dup")).toHaveLength(1);
  });

  it("page numbers below 1: an error at once", async () => {
    scriptJob("job_zero", 2, { json: { page_count: 2, pages: [page(0), page(1)] } });
    const error = await failure(client.ocr(pdf, { filename: "job_zero.pdf" }));
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error?.message).toMatch(/job job_zero.*page 0 not in the job/);
    expect(resultRequests("job_zero")).toHaveLength(1);
  });

  it("more pages than the job has: an error at once", async () => {
    scriptJob("job_more", 2, { json: { page_count: 3, pages: [page(1), page(2), page(3)] } });
    const error = await failure(client.ocr(pdf, { filename: "job_more.pdf" }));
    expect(error?.message).toMatch(/job job_more.*page 3 not in the job/);
    expect(resultRequests("job_more")).toHaveLength(1);
  });

  it("a page outside the requested ranges: an error at once", async () => {
    scriptJob("job_out", 2, { json: { page_count: 2, pages: [page(2), page(5)] } });
    const error = await failure(client.ocr(pdf, { filename: "job_out.pdf", pageRanges: "2-3" }));
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error?.message).toMatch(/job job_out.*page 3 missing.*page 5 not in the job/);
    expect(resultRequests("job_out")).toHaveLength(1);
  });

  it("text split on form feeds: a page short is missing, a page over is an error", async () => {
    scriptJob("job_ff", 3, (request) => ({ json: { page_count: 3, content: request.query.get("format") === "json" ? "a\fb" : "A\fB" } }));
    const short = await failure(client.ocr(pdf, { filename: "job_ff.pdf" }));
    expect(short?.message).toMatch(/job job_ff.*page 3 missing/);
    scriptJob("job_ff2", 3, { json: { page_count: 3, content: "a\fb\fc\fd" } });
    const over = await failure(client.ocr(pdf, { filename: "job_ff2.pdf" }));
    expect(over?.message).toMatch(/job job_ff2.*page 4 not in the job/);
  });

  it("a whole-document text (nothing to split on) still covers the job's pages", async () => {
    scriptJob("job_whole", 3, { json: { page_count: 3, content: "all the text" } });
    const result = await client.ocr(pdf, { filename: "job_whole.pdf" });
    expect(result.pages).toMatchObject([
      { pageNumber: 1, content: "all the text", markdown: "all the text", pageRange: { start: 1, end: 3 } },
    ]);
  });

  it("getPages (resume) holds a result to its own page_count", async () => {
    server.on(
      "GET /v1/jobs/job_resume/result",
      { json: { page_count: 3, pages: [page(1), page(2)] } },
      { json: { page_count: 3, pages: [page(1), page(2), page(3)] } },
    );
    const pages = await client.getPages("job_resume");
    expect(pages.pages.map((p) => p.pageNumber)).toEqual([1, 2, 3]);
    expect(resultRequests("job_resume")).toHaveLength(2);
    expect(Math.min(...gaps("job_resume"))).toBeGreaterThanOrEqual(1000);

    server.on("GET /v1/jobs/job_resume2/result", { json: { page_count: 2, pages: [page(1), page(1)] } });
    await expect(client.getPages("job_resume2")).rejects.toThrow(/job job_resume2.*page 1 twice/);
  });

  it("a status answer about another job is refused", async () => {
    server.on("GET /v1/jobs/job_mine", job("job_theirs", "completed", 1, 1));
    const error = await failure(client.waitForJob("job_mine"));
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error?.message).toMatch(/job_mine.*job_theirs/);
    expect(server.requestsTo("GET /v1/jobs/job_mine")).toHaveLength(1);
  });

  it("a result about another job is refused", async () => {
    server.on("GET /v1/jobs/job_mine2/result", { json: { job_id: "job_theirs2", page_count: 1, pages: [page(1)] } });
    const error = await failure(client.getResult("job_mine2"));
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error?.message).toMatch(/job_mine2.*job_theirs2/);
  });
});
