import { job, makePdf, type Reply, type ScriptedServer, startScriptedServer } from "@sotaocr/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvalidResponseError, JobFailedError, SotaOcrClient } from "../src/index.js";

let server: ScriptedServer;
let client: SotaOcrClient;
const pdf = makePdf(["one", "two", "three", "four"]);
let next = 0;
/** Upload file name → the job the upload creates, so concurrent tests each get their own job. */
const jobsByFilename = new Map<string, string>();

beforeAll(async () => {
  server = await startScriptedServer();
  client = new SotaOcrClient({ apiKey: "sk-test", baseUrl: server.url });
  server.on("POST /v1/extract", (request) => {
    const filename = /filename="([^"]+)"/.exec(request.body.toString("latin1"))?.[1] ?? "";
    return job(jobsByFilename.get(filename) ?? "job_unknown", "pending");
  });
});

/** A new job id, created by uploading `filename`. */
function newJob(): { id: string; filename: string } {
  const id = `job_${next++}`;
  jobsByFilename.set(`${id}.pdf`, id);
  return { id, filename: `${id}.pdf` };
}
afterAll(() => server.close());

/** Scripts a job of `pageCount` pages that completes at once and serves `results` per format; upload `filename` to get it. */
function scriptJob(
  results: { json: unknown; markdown?: unknown; text?: unknown } | ((id: string) => { json: unknown }),
  statuses: Reply[] = [],
  pageCount = 2,
): { id: string; filename: string } {
  const { id, filename } = newJob();
  const byFormat = typeof results === "function" ? results(id) : results;
  server.on(`GET /v1/jobs/${id}`, ...statuses, job(id, "completed", pageCount, pageCount));
  server.on(`GET /v1/jobs/${id}/result`, (request) => ({
    json: byFormat[(request.query.get("format") ?? "json") as keyof typeof byFormat],
  }));
  return { id, filename };
}

const page = (n: number) => ({
  page_number: n,
  markdown: `## Page ${n}`,
  text: `Page ${n}`,
  angle: 0,
  width: 100,
  height: 200,
  blocks: [],
});
const paddlePage = (i: number) => ({
  page_index: i,
  doc_preprocessor_res: { angle: 180 },
  page_preview: { width: 10, height: 20 },
  parsing_res_list: [{ block_label: "text", block_content: `Paddle ${i}`, block_bbox: [0, 0, 1, 1] }],
});

// Each test scripts its own job id, so they run side by side.
describe.concurrent("ocr() turns every result shape into pages", () => {
  it.each([
    ["canonical pages", (id: string) => ({ job_id: id, format: "json", page_count: 2, pages: [page(1), page(2)] })],
    ["pages under content", () => ({ page_count: 2, content: [page(1), page(2)] })],
    ["content.pages", () => ({ page_count: 2, content: { pages: [page(1), page(2)] } })],
  ])("%s", async (_, json) => {
    const { id, filename } = scriptJob((jobId) => ({ json: json(jobId) }));
    const result = await client.ocr(pdf, { filename });
    expect(result.jobId).toBe(id);
    expect(result.pages.map((p) => [p.pageNumber, p.content])).toEqual([
      [1, "## Page 1"],
      [2, "## Page 2"],
    ]);
    expect(result).toMatchObject({ pageCount: 2, format: "markdown", pageSource: "pages", file: { filename, fileType: "pdf" } });
  });

  it("PaddleOCR-style pages", async () => {
    const { filename } = scriptJob({ json: { content: [paddlePage(0), paddlePage(1)] } });
    const result = await client.ocr(pdf, { format: "text", filename });
    expect(result.pages.map((p) => [p.pageNumber, p.content, p.angle, p.width])).toEqual([
      [1, "Paddle 0", 180, 10],
      [2, "Paddle 1", 180, 10],
    ]);
  });

  it("a bare string with form feeds: fetches the asked format and splits it", async () => {
    const { id, filename } = scriptJob({ json: { content: "A\fB" }, text: { content: "text A\ftext B\f", page_count: 2 } });
    const result = await client.ocr(pdf, { format: "text", filename });
    expect(result.pages.map((p) => [p.pageNumber, p.content])).toEqual([
      [1, "text A"],
      [2, "text B"],
    ]);
    expect(result.pageSource).toBe("form_feeds");
    expect(server.requestsTo(`GET /v1/jobs/${id}/result`).map((r) => r.query.get("format"))).toEqual(["json", "text"]);
  });

  it("a bare string without form feeds: one item covering every page", async () => {
    const { filename } = scriptJob({ json: { content: "all" }, markdown: { content: "# All of it", page_count: 4 } }, [], 4);
    const result = await client.ocr(pdf, { filename });
    expect(result.pages).toMatchObject([
      { pageNumber: 1, content: "# All of it", markdown: "# All of it", pageRange: { start: 1, end: 4 } },
    ]);
    expect(result.pageSource).toBe("whole_document");
  });

  it("page ranges: pages numbered 1..k come back with their original numbers", async () => {
    const { id, filename } = scriptJob({ json: { pages: [page(1), page(2)] } });
    const result = await client.ocr(pdf, { pageRanges: [{ start: 2, end: 3 }], filename });
    expect(result.pages.map((p) => p.pageNumber)).toEqual([2, 3]);
    expect(result.pageRanges).toEqual([{ start: 2, end: 3 }]);
    expect(server.requestsTo(`GET /v1/jobs/${id}`)).toHaveLength(1);
  });

  it("a result that fits no shape: an error that names the job", async () => {
    const { id, filename } = scriptJob({ json: { pages: [{ page_number: 1, colour: "blue" }] } });
    const error = await client.ocr(pdf, { filename }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect((error as Error).message).toContain(`The result of job ${id} does not fit any known result shape`);
  });

  it("waits for a result that is not ready a moment after completion (202), a second apart", async () => {
    const { id, filename } = newJob();
    server.on(`GET /v1/jobs/${id}`, job(id, "completed", 1, 1));
    server.on(`GET /v1/jobs/${id}/result`, { status: 202, json: { error: { code: "result_not_ready" } } }, { json: { pages: [page(1)] } });
    const result = await client.ocr(pdf, { filename });
    expect(result.pages).toHaveLength(1);
    const [first, second] = server.requestsTo(`GET /v1/jobs/${id}/result`);
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(1000);
  });

  it("a failed job raises JobFailedError with the server's reason", async () => {
    const { id, filename } = newJob();
    server.on(`GET /v1/jobs/${id}`, job(id, "failed", 0, 0, { error: { code: "encrypted_pdf", message: "password required" } }));
    const error = await client.ocr(pdf, { filename }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobFailedError);
    expect(error).toMatchObject({ jobId: id, code: "encrypted_pdf", serverMessage: "password required" });
  });
});
