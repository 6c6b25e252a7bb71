import { readdir } from "node:fs/promises";
import { Agent, request } from "node:http";
import { SotaOcrClient } from "@sotaocr/core";
import { describe, expect, it } from "vitest";
import { DEFAULT_API_KEY } from "../src/index.js";
import { startEmulatorProcess, statusOf, streamRequest, zeros } from "./attack-helpers.js";
import { makePdf, makeSizedPdf } from "./helpers.js";

const MiB = 1024 * 1024;
const TWO_GB = 2 * 1024 * MiB;
const MAX_UPLOAD = 8 * MiB;
/** What the server may read past the limit before closing: its bounded drain (16 MiB) and the form's slack, plus socket buffers. */
const READ_BOUND = MAX_UPLOAD + 48 * MiB;
/** Growth of the server's peak RSS allowed over all the attacks (a 2 GB body held in memory would be 2048 MiB). */
const MEMORY_BOUND = 96 * MiB;

const head = (path: string, headers: string, method = "POST") =>
  `${method} ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${DEFAULT_API_KEY}\r\n${headers}\r\n`;
const filePart = (name: string, filename?: string) =>
  Buffer.from(`--b\r\nContent-Disposition: form-data; name="${name}"${filename ? `; filename="${filename}"` : ""}\r\n\r\n%PDF-1.4\n`);
const MULTIPART = "Content-Type: multipart/form-data; boundary=b\r\n";
const CHUNKED = "Transfer-Encoding: chunked\r\n";

describe("a 2 GB upload against maxUploadBytes (emulator in its own process)", () => {
  it("is refused in every form with the server reading a bounded part of it, its memory bounded, and it stays up", async () => {
    const server = await startEmulatorProcess({ engine: "synthetic", synthetic: { msPerPage: 1 }, maxUploadBytes: MAX_UPLOAD });
    try {
      const client = new SotaOcrClient({ baseUrl: server.url, apiKey: DEFAULT_API_KEY, maxRetries: 0 });
      // Warm up the upload path with a file just under the limit, so the baseline includes its buffers.
      const pdf = makePdf(2);
      const nearLimit = new Uint8Array(MAX_UPLOAD - 1024).fill(0x20);
      nearLimit.set(pdf.subarray(0, 20));
      nearLimit.set(pdf, nearLimit.length - pdf.length);
      expect((await client.ocr(nearLimit)).pages).toHaveLength(2);
      const before = await server.usage();

      const attacks: { label: string; head: string; body: Iterable<Uint8Array>; chunked: boolean; status: number; code?: string }[] = [
        {
          label: "declared Content-Length of 2 GB",
          head: head("/v1/extract", `${MULTIPART}Content-Length: ${TWO_GB}\r\n`),
          body: zeros(TWO_GB, 256 * 1024, filePart("file", "a.pdf")),
          chunked: false,
          status: 413,
          code: "file_too_large",
        },
        {
          label: "chunked, 2 GB in the file part",
          head: head("/v1/extract", MULTIPART + CHUNKED),
          body: zeros(TWO_GB, 256 * 1024, filePart("file", "a.pdf")),
          chunked: true,
          status: 413,
          code: "file_too_large",
        },
        {
          label: "chunked, 2 GB in a file part not named file",
          head: head("/v1/extract", MULTIPART + CHUNKED),
          body: zeros(TWO_GB, 256 * 1024, filePart("attachment", "a.pdf")),
          chunked: true,
          status: 413,
          code: "file_too_large",
        },
        {
          label: "chunked, 2 GB in a text field",
          head: head("/v1/extract", MULTIPART + CHUNKED),
          body: zeros(TWO_GB, 256 * 1024, filePart("page_ranges")),
          chunked: true,
          status: 413,
          code: "file_too_large",
        },
        {
          label: "chunked, 2 GB with a wrong key",
          head: head("/v1/extract", MULTIPART + CHUNKED).replace(DEFAULT_API_KEY, "wrong-key"),
          body: zeros(TWO_GB, 256 * 1024, filePart("file", "a.pdf")),
          chunked: true,
          status: 401,
          code: "invalid_api_key",
        },
        {
          label: "chunked, 2 GB body on GET /v1/balance",
          head: head("/v1/balance", CHUNKED, "GET"),
          body: zeros(TWO_GB),
          chunked: true,
          status: 200,
        },
      ];
      for (const attack of attacks) {
        const { response, bytesSent } = await streamRequest(server.port, attack.head, attack.body, {
          chunked: attack.chunked,
          timeoutMs: 30_000,
        });
        const answer = statusOf(response);
        expect([attack.label, answer.status, answer.code]).toEqual([attack.label, attack.status, attack.code]);
        expect(answer.headers).toContain("connection: close");
        expect([attack.label, bytesSent < READ_BOUND]).toEqual([attack.label, true]);
      }

      const after = await server.usage();
      expect(after.maxRss - before.maxRss).toBeLessThan(MEMORY_BOUND);
      // Still up, and nothing of the refused uploads left on disk (only the warm-up's job).
      expect((await client.ocr(makePdf(3))).pages).toHaveLength(3);
      expect((await readdir(server.dataDir)).filter((name) => !name.startsWith("job_"))).toEqual([]);
    } finally {
      expect(await server.close()).toEqual({ code: 0, signal: null });
    }
  }, 60_000);
});

describe("a flood of unauthenticated requests with long URLs (emulator in its own process)", () => {
  it("leaves the server's memory bounded: the request log keeps a bounded number of short entries", async () => {
    const server = await startEmulatorProcess({ engine: "synthetic", synthetic: { msPerPage: 1 } });
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    const get = (path: string) =>
      new Promise<number | undefined>((resolve, reject) => {
        const req = request(`${server.url}${path}`, { agent, headers: { "idempotency-key": "k".repeat(3000) } }, (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode));
        });
        req.on("error", reject);
        req.end();
      });
    try {
      const before = await server.usage();
      // 12,000 requests of ~14 KB each: 170 MB if every one were kept whole.
      const statuses = new Map<number | undefined, number>();
      for (let i = 0; i < 12_000; i += 100) {
        const batch = await Promise.all(
          Array.from({ length: 100 }, (_, j) => get(`/v1/jobs/${i + j}-${"a".repeat(6000)}?q=${"q".repeat(4000)}`)),
        );
        for (const status of batch) statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
      expect([...statuses]).toEqual([[401, 12_000]]);
      const after = await server.usage();
      // A full log of 10,000 cut-short entries takes 10–40 MB; kept whole they would take 170 MB.
      expect(after.maxRss - before.maxRss).toBeLessThan(64 * MiB);
    } finally {
      agent.destroy();
      expect(await server.close()).toEqual({ code: 0, signal: null });
    }
  }, 60_000);
});

describe("tiny PDFs with huge pages (local engine, emulator in its own process)", () => {
  it("fail their job with page_too_large before any render, the server's memory bounded", async () => {
    const server = await startEmulatorProcess({});
    try {
      // Retries as users have them: a poll whose keep-alive socket the server closed at that moment is sent again.
      const client = new SotaOcrClient({ baseUrl: server.url, apiKey: DEFAULT_API_KEY });
      const text = "A page with a text layer, read without OCR. ".repeat(6);
      // Warm up the engine (pdf.js) with a normal page, so the baseline includes it.
      expect((await client.ocr(makeSizedPdf(612, 792, text), { format: "text" })).pages[0]?.content).toContain("text layer");
      const before = await server.usage();
      // A text page 5000 pt square: read from its text layer, its preview at 144 dpi would be 100 megapixels (400 MB).
      // A blank page 14400 pt square (PDF's largest): OCR at 300 dpi would be 3.6 gigapixels.
      for (const [label, pdf] of [
        ["text page 5000 pt", makeSizedPdf(5000, 5000, text)],
        ["blank page 14400 pt", makeSizedPdf(14_400, 14_400)],
      ] as const) {
        expect(pdf.byteLength).toBeLessThan(2048);
        const job = await client.extract(pdf);
        const outcome = await client.waitForJob(job.id, { timeoutMs: 60_000 }).then(
          () => "completed",
          (error: { code?: string; serverMessage?: string }) => `${error.code}: ${error.serverMessage}`,
        );
        expect([label, outcome]).toEqual([label, expect.stringMatching(/^page_too_large: .*megapixels.*--max-page-megapixels/)]);
      }
      const after = await server.usage();
      expect(after.maxRss - before.maxRss).toBeLessThan(MEMORY_BOUND);
      // Still serving pages of a sensible size.
      expect((await client.ocr(makeSizedPdf(842, 1191, text), { format: "text" })).pages).toHaveLength(1);
    } finally {
      expect(await server.close()).toEqual({ code: 0, signal: null });
    }
  }, 120_000);
});
