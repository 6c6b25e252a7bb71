import { performance } from "node:perf_hooks";
import { answerUploadsByFileName, job, makePdf, type ScriptedServer, startScriptedServer } from "@sotaocr/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type JobProgress, SotaOcrClient, SotaOcrError } from "../src/index.js";

/**
 * `pollSchedule: "fixed"`: one status poll every `pollIntervalMs` after the previous answer, whatever
 * the job's progress, and no result request before a status says the job completed.
 */

const INTERVAL_MS = 1_200;
/** How late a poll may arrive after its interval on a loaded machine (the server's view). */
const LATENESS_MS = 600;

let server: ScriptedServer;
const pdf = makePdf(["one", "two", "three", "four"]);
const uploadedAt = new Map<string, number>();
const pages = [1, 2, 3, 4].map((n) => ({ page_number: n, markdown: `Page ${n}`, text: `Page ${n}` }));

beforeAll(async () => {
  server = await startScriptedServer();
  answerUploadsByFileName(server, uploadedAt);
});
afterAll(() => server.close());

/**
 * A 4-page job whose pages finish every 500 ms from the upload and that completes at 3.2 s; its
 * result exists from then on, and before that the result route answers 202 (an adaptive schedule
 * would ask it early, once the progress says the job is likely done).
 */
function scriptJob(id: string) {
  const elapsed = () => performance.now() - (uploadedAt.get(id) ?? Number.POSITIVE_INFINITY);
  server.on(`GET /v1/jobs/${id}`, () =>
    elapsed() >= 3_200 ? job(id, "completed", 4, 4) : job(id, "running", 4, Math.min(4, Math.floor(elapsed() / 500))),
  );
  server.on(`GET /v1/jobs/${id}/result`, () =>
    elapsed() >= 3_200
      ? { json: { job_id: id, page_count: 4, pages } }
      : { status: 202, json: { error: { code: "result_not_ready", message: "not yet" } } },
  );
}

/** The requests of the upload and about the job, in order, as "upload", "status" or "result:<format>", with when each arrived. */
function requestsFor(id: string) {
  const upload = server.requests.find((request) => request.path === "/v1/extract" && request.body.includes(`${id}.pdf`));
  const about = server.requests.filter((request) => request.path.startsWith(`/v1/jobs/${id}`));
  return {
    uploadAt: upload?.at ?? Number.NaN,
    kinds: about.map((request) => (request.path.endsWith("/result") ? `result:${request.query.get("format")}` : "status")),
    at: about.map((request) => request.at),
  };
}

describe('pollSchedule: "fixed"', () => {
  it("ocr() polls the status once per pollIntervalMs, and asks for the result only after a poll saw the job complete", async () => {
    scriptJob("job_fixed1");
    const client = new SotaOcrClient({ apiKey: "sk-test", baseUrl: server.url, pollIntervalMs: INTERVAL_MS, pollSchedule: "fixed" });
    const seen: JobProgress[] = [];
    const result = await client.ocr(pdf, { filename: "job_fixed1.pdf", onProgress: (progress) => seen.push(progress) });
    expect(result.pages.map((page) => page.pageNumber)).toEqual([1, 2, 3, 4]);

    const { uploadAt, kinds, at } = requestsFor("job_fixed1");
    // Polls at about 1.2, 2.4 and 3.6 s: running, running, completed; then the result, once.
    expect(kinds).toEqual(["status", "status", "status", "result:json"]);
    const statusAt = at.slice(0, 3);
    const gaps = statusAt.map((time, i) => time - (i === 0 ? uploadAt : (statusAt[i - 1] as number)));
    for (const gap of gaps) {
      expect(gap).toBeGreaterThanOrEqual(INTERVAL_MS);
      expect(gap).toBeLessThan(INTERVAL_MS + LATENESS_MS);
    }
    expect(seen[0]).toMatchObject({ status: "pending" });
    expect(seen.at(-1)).toMatchObject({ status: "completed", pageCount: 4, pagesCompleted: 4 });
  });

  it("waitForJob() sends status polls only, a pollIntervalMs apart", async () => {
    scriptJob("job_fixed2");
    const client = new SotaOcrClient({ apiKey: "sk-test", baseUrl: server.url, pollIntervalMs: INTERVAL_MS, pollSchedule: "fixed" });
    const created = await client.extract(pdf, { filename: "job_fixed2.pdf" });
    const done = await client.waitForJob(created.id);
    expect(done.phase).toBe("completed");

    const { kinds, at } = requestsFor("job_fixed2");
    // The first poll goes at once (waitForJob knows nothing of the upload), then one every interval until 3.2 s have passed.
    expect(kinds.every((kind) => kind === "status")).toBe(true);
    expect(kinds.length).toBeGreaterThanOrEqual(3);
    const gaps = at.slice(1).map((time, i) => time - (at[i] as number));
    for (const gap of gaps) {
      expect(gap).toBeGreaterThanOrEqual(INTERVAL_MS);
      expect(gap).toBeLessThan(INTERVAL_MS + LATENESS_MS);
    }
  });

  it("is checked when the client is made", () => {
    expect(() => new SotaOcrClient({ apiKey: "sk-test", pollSchedule: "sometimes" as "fixed" })).toThrow(SotaOcrError);
    expect(() => new SotaOcrClient({ apiKey: "sk-test", pollSchedule: "sometimes" as "fixed" })).toThrow(
      /pollSchedule must be "adaptive" or "fixed", not "sometimes"/,
    );
  });
});
