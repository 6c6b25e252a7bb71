import { NotFoundError, type SotaOcrClient } from "@sotaocr/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../src/index.js";
import { clientFor, errorCode, JPEG, makePdf, PNG, raw, rawHttp, startSynthetic } from "./helpers.js";

describe("every route, through the client over HTTP", () => {
  let emulator: Emulator;
  let client: SotaOcrClient;

  beforeAll(async () => {
    emulator = await startSynthetic({ synthetic: { msPerPage: 20 } });
    client = clientFor(emulator);
  });
  afterAll(() => emulator.close());

  it("uploads, reports progress, and serves the result in every format and the previews", async () => {
    const job = await client.extract(makePdf(3));
    expect(job).toMatchObject({ status: "pending", pageCount: 0, phase: "in_progress" });
    expect(job.id).toMatch(/^job_[0-9a-f]{24}$/);
    expect(job.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    const progress: { status: string; pageCount?: number; pagesCompleted?: number }[] = [];
    const done = await client.waitForJob(job.id, { onProgress: (p) => progress.push(p) });
    expect(done).toMatchObject({ status: "completed", pageCount: 3, pagesCompleted: 3 });
    expect(progress.at(-1)).toMatchObject({ status: "completed", pageCount: 3, pagesCompleted: 3 });

    const json = await client.getResult(job.id);
    expect(json.raw).toMatchObject({ job_id: job.id, format: "json", page_count: 3 });
    const pages = json.raw.pages as Record<string, unknown>[];
    expect(pages.map((page) => page.page_number)).toEqual([1, 2, 3]);
    expect(pages[0]).toMatchObject({ markdown: expect.stringMatching(/^# Page 1\n\n\w/), text: expect.stringMatching(/^Page 1\n\n/) });
    expect(pages[0]).toMatchObject({ angle: 0, width: 1224, height: 1584 });
    expect(((pages[0]?.blocks ?? []) as unknown[]).slice(0, 3)).toEqual([
      { type: "header", text: expect.stringMatching(/^Synthetic document [0-9a-f]{8}$/), bbox: [144, 72, 1080, 104], score: 1 },
      { type: "doc_title", text: "Page 1", bbox: [144, 144, 720, 200], score: 1 },
      { type: "text", text: expect.stringMatching(/\.$/), bbox: [144, 240, 1080, expect.any(Number)], score: expect.any(Number) },
    ]);
    expect(((pages[1]?.blocks ?? []) as { type: string }[]).map((block) => block.type)).toContain("table");

    const markdown = await client.getResult(job.id, { format: "markdown" });
    const parts = (markdown.content as string).split("\f");
    expect(parts).toEqual(pages.map((page) => page.markdown));
    const text = await client.getResult(job.id, { format: "text" });
    expect((text.content as string).split("\f")).toEqual(pages.map((page) => page.text));

    const preview = await client.getPagePreview(job.id, 2);
    expect(preview.contentType).toBe("image/png");
    expect(Buffer.from(preview.bytes.subarray(0, 8))).toEqual(Buffer.from(PNG.subarray(0, 8)));
    // The PNG's IHDR gives the page size the bboxes refer to.
    expect(Buffer.from(preview.bytes).readUInt32BE(16)).toBe(1224);
    expect(Buffer.from(preview.bytes).readUInt32BE(20)).toBe(1584);
    await expect(client.getPagePreview(job.id, 4)).rejects.toMatchObject({ status: 404, code: "page_not_found" });
  });

  it("gives the same text for the same file and different text for another", async () => {
    const [a, b, c] = await Promise.all([
      client.ocr(makePdf(1, { label: "A" })),
      client.ocr(makePdf(1, { label: "A" })),
      client.ocr(makePdf(1, { label: "B" })),
    ]);
    expect(a.pages[0]?.content).toBe(b.pages[0]?.content);
    expect(a.pages[0]?.content).not.toBe(c.pages[0]?.content);
    expect(a.pages[0]?.content).toMatch(/^# Page 1\n\n[A-Z][a-z]+( [a-z]+){7,}\.\n\n## /);
  });

  it("reads PNG and JPEG uploads as one page", async () => {
    const [png, jpeg] = await Promise.all([client.ocr(PNG), client.ocr(JPEG)]);
    expect(png.pages.map((p) => p.pageNumber)).toEqual([1]);
    expect(jpeg.pages.map((p) => p.pageNumber)).toEqual([1]);
    expect(png.file.fileType).toBe("png");
  });

  it("answers 202 result_not_ready for the result and previews of a job still running", async () => {
    const slow = await startSynthetic({ synthetic: { msPerPage: 400 }, pollIntervalMs: 0 });
    try {
      const job = await clientFor(slow).extract(makePdf(3));
      const result = await raw(slow, `/v1/jobs/${job.id}/result`);
      expect(result.status).toBe(202);
      expect(errorCode(result.json)).toBe("result_not_ready");
      expect(result.headers.get("content-type")).toMatch(/^application\/json/);
      const preview = await raw(slow, `/v1/jobs/${job.id}/pages/3/preview`);
      expect(preview.status).toBe(202);
      expect(errorCode(preview.json)).toBe("result_not_ready");
      let status = await raw(slow, `/v1/jobs/${job.id}`);
      while (status.json?.pages_completed === 0) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        status = await raw(slow, `/v1/jobs/${job.id}`);
      }
      // Page 1 took 400 ms, page 3 will be done 800 ms later.
      expect(status.json).toMatchObject({ status: "running", page_count: 3, pages_completed: 1 });
      expect((await raw(slow, `/v1/jobs/${job.id}/pages/1/preview`)).status).toBe(200);
      expect((await raw(slow, `/v1/jobs/${job.id}/pages/3/preview`)).status).toBe(202);
      const beyond = await raw(slow, `/v1/jobs/${job.id}/pages/9/preview`);
      expect([beyond.status, errorCode(beyond.json)]).toEqual([404, "page_not_found"]);
    } finally {
      await slow.close();
    }
  });

  it("serves the balance and the service info", async () => {
    const balance = await client.getBalance();
    expect(balance.entityCode).toBe("scan_page");
    expect(balance.remainingPages).toBeLessThan(10_000);
    expect(balance.raw).toMatchObject({ total_affordable_pages: balance.remainingPages, monthly_pages: { total: 10_000 } });
    const info = await client.getInfo();
    expect(info.modelProfiles.map((profile) => profile.name)).toEqual(["standard", "fast", "accurate"]);
    const job = await client.extract(makePdf(1), { modelProfile: "accurate" });
    expect((await client.waitForJob(job.id)).status).toBe("completed");
  });

  it("answers 404 not_found to unknown routes and 405 to wrong methods, always as JSON errors", async () => {
    for (const path of ["/", "/v1", "/v1/extract/", "/v2/extract", "/v1/jobs", "/v1/jobs/", "/api/v1/info/x"]) {
      const response = await raw(emulator, path);
      expect([path, response.status, errorCode(response.json)]).toEqual([path, 404, "not_found"]);
    }
    const cases: [string, string, string][] = [
      ["GET", "/v1/extract", "POST"],
      ["PUT", "/v1/extract", "POST"],
      ["POST", "/v1/balance", "GET"],
      ["DELETE", "/v1/jobs/job_000000000000000000000000", "GET"],
      ["POST", "/api/v1/info", "GET"],
    ];
    for (const [method, path, allow] of cases) {
      const response = await raw(emulator, path, { method });
      expect([method, path, response.status, errorCode(response.json), response.headers.get("allow")]).toEqual([
        method,
        path,
        405,
        "method_not_allowed",
        allow,
      ]);
    }
  });

  it("answers 404 job_not_found to absurd job ids without touching the filesystem", async () => {
    const ids = [
      "..%2F..%2Fetc%2Fpasswd",
      "job_..%2F..%2Fx",
      `job_${"a".repeat(5000)}`,
      "job_ABCDEF0123456789abcdef01",
      "job_0123456789abcdef0123456",
      "%00",
      "job_%20",
      "🙂",
      "job_0123456789abcdef01234567", // well-formed but unknown
    ];
    for (const id of ids) {
      for (const suffix of ["", "/result", "/pages/1/preview"]) {
        const response = await raw(emulator, `/v1/jobs/${id}${suffix}`);
        expect([id, suffix, response.status, errorCode(response.json)]).toEqual([id, suffix, 404, "job_not_found"]);
      }
    }
    await expect(client.getJob("../../etc/passwd")).rejects.toBeInstanceOf(NotFoundError);
    // Literal dot segments, sent byte for byte: the path resolves elsewhere, still a JSON 404.
    for (const path of ["/v1/jobs/../../etc/passwd", "/v1/jobs/%2e%2e/%2e%2e/result", "/v1/jobs/./../v1/balance/../x"]) {
      const { response } = await rawHttp(
        emulator.port,
        `GET ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${emulator.apiKey}\r\nConnection: close\r\n\r\n`,
      );
      expect(response).toMatch(/^HTTP\/1\.1 404 /);
      expect(response).toMatch(/"code":"(not_found|job_not_found)"/);
    }
  });

  it("rejects a bad result format with 400 invalid_format", async () => {
    const job = await client.extract(makePdf(1));
    const response = await raw(emulator, `/v1/jobs/${job.id}/result?format=html`);
    expect([response.status, errorCode(response.json)]).toEqual([400, "invalid_format"]);
  });

  it("rejects bad preview page numbers with 404 page_not_found", async () => {
    const { jobId } = await client.ocr(makePdf(2));
    for (const page of ["0", "-1", "x", "1.5", "01", "99999999999"]) {
      const response = await raw(emulator, `/v1/jobs/${jobId}/pages/${page}/preview`);
      expect([page, response.status, errorCode(response.json)]).toEqual([page, 404, "page_not_found"]);
    }
  });
});
