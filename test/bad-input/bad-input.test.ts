import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  AbortError,
  APIConnectionError,
  APIError,
  AuthenticationError,
  BadRequestError,
  type ClientOptions,
  InvalidInputError,
  InvalidPageRangeError,
  InvalidResponseError,
  JobFailedError,
  MissingApiKeyError,
  NotFoundError,
  SotaOcrClient,
  SotaOcrError,
  TimeoutError,
  UnsupportedFileError,
} from "@sotaocr/core";
import { type Emulator, type EmulatorOptions, startEmulator } from "@sotaocr/emulator";
import { SotaOcrLoader } from "@sotaocr/langchain";
import { SotaOcrReader } from "@sotaocr/llamaindex";
import { job, makePdf, padPdf, type ScriptedServer, startScriptedServer } from "@sotaocr/test-support";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { encryptedPdf } from "../../packages/emulator/src/engines/local/test-fixtures.js";

/**
 * Bad input, one row each: what is wrong, the error it must raise (a class from @sotaocr/core), a
 * pattern proving the message says what to do, what the server may have seen (nothing at all when
 * the client can tell before sending), and a time bound proving nothing hangs.
 */

/** The key every row uses: no message may contain it. */
const KEY = "sk-bad-input-7f3a9c";

/** What the server may have seen of a row. */
type ServerSaw =
  /** No upload reached it: the client caught the problem first. */
  | "no upload"
  /** An upload reached it and was refused or cut off: no job exists. */
  | "no job"
  /** The emulator created a job: the problem shows only on the server. */
  | "a job"
  /** An upload reached a scripted server (which stands for a misbehaving one). */
  | "an upload";

interface Row {
  name: string;
  run: (env: RowEnv) => Promise<unknown>;
  /** The class the error must be an instance of. */
  error: abstract new (
    ...args: never[]
  ) => Error;
  /** Fields the error must have (reason, code, status, jobId…). */
  fields?: Record<string, unknown>;
  /** The message must say what to do. */
  says: RegExp;
  server: ServerSaw;
  /**
   * The row must settle within this many ms (its server's start included). Generous, since the
   * suite runs beside CPU-heavy tests: it tells "done" from "hung", not fast from slow. @default 5000
   */
  withinMs?: number;
  /** More checks, after the error. */
  check?: (error: Error, env: RowEnv) => void | Promise<void>;
}

/** One row's surroundings, made on demand, closed after the row. */
class RowEnv {
  readonly dir: string;
  #emulator: Emulator | undefined;
  #scripted: ScriptedServer | undefined;
  readonly controller = new AbortController();

  constructor(dir: string) {
    this.dir = dir;
  }

  /** A synthetic-engine emulator for this row (started once). */
  async emulator(options: EmulatorOptions = {}): Promise<Emulator> {
    this.#emulator ??= await startEmulator({
      engine: "synthetic",
      apiKeys: [KEY],
      ...options,
      synthetic: { msPerPage: 5, ...options.synthetic },
    });
    return this.#emulator;
  }

  /** A scripted server for this row: script it with `on(...)`. */
  async scripted(): Promise<ScriptedServer> {
    this.#scripted ??= await startScriptedServer();
    return this.#scripted;
  }

  /** A client of this row's emulator (or of `baseUrl`). */
  async client(options: ClientOptions = {}): Promise<SotaOcrClient> {
    const baseUrl = options.baseUrl ?? (await this.emulator()).url;
    return new SotaOcrClient({ apiKey: KEY, ...options, baseUrl });
  }

  /** A client of this row's scripted server. */
  async scriptedClient(options: ClientOptions = {}): Promise<SotaOcrClient> {
    return this.client({ ...options, baseUrl: (await this.scripted()).url });
  }

  /** Writes a file in the row's directory and returns its path. */
  async file(name: string, bytes: Uint8Array | string): Promise<string> {
    const path = join(this.dir, name);
    await writeFile(path, bytes);
    return path;
  }

  /** Upload requests the servers received (whole or not). */
  uploads(): number {
    return (this.#emulator?.log.uploads().length ?? 0) + (this.#scripted?.requestsTo("POST /v1/extract").length ?? 0);
  }

  /** Jobs the emulator created (its uploads that name a job, answered or dropped). */
  jobs(): number {
    return this.#emulator?.log.uploads().filter((entry) => entry.jobId !== undefined).length ?? 0;
  }

  get emulatorLog() {
    return this.#emulator?.log;
  }

  async close(): Promise<void> {
    await Promise.all([this.#emulator?.close(), this.#scripted?.close()]);
  }
}

const pdf3 = makePdf(["one", "two", "three"]);
const MiB = 1024 * 1024;

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const rows: Row[] = [
  // ---- Paths and files: all caught before anything is sent ----
  {
    name: "a path that does not exist",
    run: async (env) => (await env.client()).ocr(join(env.dir, "missing.pdf")),
    error: InvalidInputError,
    fields: { reason: "not_found" },
    says: /File not found: .*missing\.pdf \(looked for .*\)\. Check the path and the working directory\./,
    server: "no upload",
  },
  {
    name: "a file: URL to a missing file",
    run: async (env) => (await env.client()).ocr(pathToFileURL(join(env.dir, "gone.pdf"))),
    error: InvalidInputError,
    fields: { reason: "not_found" },
    says: /Check the path and the working directory/,
    server: "no upload",
  },
  {
    name: "an empty file",
    run: async (env) => (await env.client()).ocr(await env.file("empty.pdf", "")),
    error: InvalidInputError,
    fields: { reason: "empty" },
    says: /is empty \(0 bytes\): nothing to OCR\. Check that it was fully written or downloaded\./,
    server: "no upload",
  },
  {
    name: "a directory",
    run: async (env) => (await env.client()).ocr(env.dir),
    error: InvalidInputError,
    fields: { reason: "is_directory" },
    says: /is a directory, not a file\. Pass the files inside it, or use a directory loader/,
    server: "no upload",
  },
  {
    name: "an unreadable path (a FIFO: reading it would block forever)",
    run: async (env) => {
      const path = join(env.dir, "pipe.pdf");
      execFileSync("mkfifo", [path]);
      return (await env.client()).ocr(path);
    },
    error: InvalidInputError,
    fields: { reason: "unreadable" },
    says: /not a regular file .*: pass a file on disk, or read the data yourself and pass the bytes/,
    server: "no upload",
  },
  {
    name: "an https: URL instead of a file",
    run: async (env) => (await env.client()).ocr(new URL("https://example.com/report.pdf")),
    error: InvalidInputError,
    fields: { reason: "invalid_type" },
    says: /is not a local file: URL\. Pass a path or a file: URL\./,
    server: "no upload",
  },
  {
    name: "a number instead of a file",
    run: async (env) => (await env.client()).ocr(42 as unknown as string),
    error: InvalidInputError,
    fields: { reason: "invalid_type" },
    says: /pass a file path, a file: URL, a Uint8Array\/Buffer\/ArrayBuffer, or a Blob\/File/,
    server: "no upload",
  },
  {
    name: "a .docx (a zip)",
    run: async (env) =>
      (await env.client()).ocr(await env.file("report.docx", Buffer.concat([Buffer.from([0x50, 0x4b, 3, 4]), Buffer.alloc(200)]))),
    error: UnsupportedFileError,
    fields: { reason: "unsupported_type", detectedType: expect.stringContaining("docx") },
    says: /looks like zip \(docx.*\), not a PDF, PNG or JPEG\. .*convert the file \(e\.g\. to PDF\) first/,
    server: "no upload",
  },
  {
    name: "a GIF named .png",
    run: async (env) => (await env.client()).ocr(await env.file("photo.png", "GIF89a\x01\x00\x01\x00\x00\x00\x00;")),
    error: UnsupportedFileError,
    fields: { detectedType: "gif" },
    says: /looks like gif, not a PDF, PNG or JPEG\. .*convert the file/,
    server: "no upload",
  },
  {
    name: "a text file named .pdf",
    run: async (env) => (await env.client()).ocr(await env.file("notes.pdf", "Meeting notes\nnothing to see here\n")),
    error: UnsupportedFileError,
    fields: { detectedType: "text" },
    says: /looks like text, not a PDF, PNG or JPEG\. .*convert the file/,
    server: "no upload",
  },
  {
    name: "a truncated PDF (no %%EOF)",
    run: async (env) => (await env.client()).ocr(await env.file("cut.pdf", pdf3.subarray(0, pdf3.length - 300))),
    error: UnsupportedFileError,
    fields: { reason: "truncated" },
    says: /is a truncated PDF .*Get a complete copy and try again\./,
    server: "no upload",
  },
  {
    name: "an encrypted PDF (AES-256): only the server can tell",
    run: async (env) => (await env.client()).ocr(await env.file("locked.pdf", encryptedPdf())),
    error: JobFailedError,
    fields: { code: "encrypted_pdf", status: "failed", jobId: expect.stringMatching(/^job_/) },
    says: /The PDF is encrypted: remove its password and upload it again/,
    server: "a job",
    withinMs: 7000,
  },

  // ---- Page ranges: malformed ones are caught before sending; out-of-document ones only by the server ----
  {
    name: 'page range "0"',
    run: async (env) => (await env.client()).ocr(pdf3, { pageRanges: "0" }),
    error: InvalidPageRangeError,
    says: /has start 0: page numbers are whole numbers from 1 \(the first page\)/,
    server: "no upload",
  },
  {
    name: "a negative page range (objects)",
    run: async (env) => (await env.client()).ocr(pdf3, { pageRanges: [{ start: -2, end: 3 }] }),
    error: InvalidPageRangeError,
    says: /has start -2: page numbers are whole numbers from 1/,
    server: "no upload",
  },
  {
    name: 'a negative page range (string "-2")',
    run: async (env) => (await env.client()).ocr(pdf3, { pageRanges: "-2" }),
    error: InvalidPageRangeError,
    says: /Cannot read page range "-2".*write pages and ranges like "1-3,5"/,
    server: "no upload",
  },
  {
    name: 'start after end ("5-2")',
    run: async (env) => (await env.client()).ocr(pdf3, { pageRanges: "5-2" }),
    error: InvalidPageRangeError,
    says: /starts after it ends \(5 > 2\): write it as 2-5/,
    server: "no upload",
  },
  {
    name: 'an open range ("2-")',
    run: async (env) => (await env.client()).ocr(pdf3, { pageRanges: "2-" }),
    error: InvalidPageRangeError,
    says: /Cannot read page range "2-".*write pages and ranges like "1-3,5" \(1-based, inclusive, no open ends\)/,
    server: "no upload",
  },
  {
    name: 'words ("one-two")',
    run: async (env) => (await env.client()).ocr(pdf3, { pageRanges: "one-two" }),
    error: InvalidPageRangeError,
    says: /write pages and ranges like "1-3,5"/,
    server: "no upload",
  },
  {
    name: "an empty page-range string",
    run: async (env) => (await env.client()).ocr(pdf3, { pageRanges: "" }),
    error: InvalidPageRangeError,
    says: /Leave pageRanges out to process every page, or name pages like "1-3,5"/,
    server: "no upload",
  },
  {
    name: "a fractional page",
    run: async (env) => (await env.client()).ocr(pdf3, { pageRanges: [{ start: 1.5, end: 2 }] }),
    error: InvalidPageRangeError,
    says: /has start 1\.5: page numbers are whole numbers from 1/,
    server: "no upload",
  },
  {
    name: "pages beyond the document (2-9 of 3)",
    run: async (env) => (await env.client()).ocr(pdf3, { pageRanges: "2-9" }),
    error: JobFailedError,
    fields: { code: "page_range_out_of_bounds", jobId: expect.stringMatching(/^job_/) },
    says: /page_ranges asks for page 4, but the document has 3 pages/,
    server: "a job",
    withinMs: 7000,
  },

  // ---- Keys ----
  {
    name: "no API key (no option, no SOTAOCR_API_KEY)",
    run: async (env) => {
      vi.stubEnv("SOTAOCR_API_KEY", undefined);
      try {
        return await new SotaOcrClient({ baseUrl: (await env.emulator()).url }).ocr(pdf3);
      } finally {
        vi.unstubAllEnvs();
      }
    },
    error: MissingApiKeyError,
    says: /pass \{ apiKey \} or set the SOTAOCR_API_KEY environment variable/,
    server: "no upload",
  },
  {
    name: "an empty API key",
    run: async (env) => (await env.client({ apiKey: "" })).ocr(pdf3),
    error: MissingApiKeyError,
    says: /pass \{ apiKey \} or set the SOTAOCR_API_KEY environment variable/,
    server: "no upload",
  },
  {
    name: "an API key with a line break (a copy-paste slip)",
    run: async (env) => (await env.client({ apiKey: "sk-pasted-key\n" })).ocr(pdf3),
    error: MissingApiKeyError,
    says: /contains spaces, line breaks .*check the apiKey option or the SOTAOCR_API_KEY/,
    server: "no upload",
  },
  {
    name: "a wrong API key",
    run: async (env) => (await env.client({ apiKey: "sk-wrong-4242" })).ocr(pdf3),
    error: AuthenticationError,
    fields: { status: 401, code: "invalid_api_key" },
    says: /Check the API key \(the apiKey option or SOTAOCR_API_KEY\)/,
    server: "no job",
    check: (error) => expect(error.message + JSON.stringify(error)).not.toContain("sk-wrong-4242"),
  },

  // ---- Base URLs and what answers there ----
  {
    name: "a base URL that is not a URL",
    run: async () => new SotaOcrClient({ apiKey: KEY, baseUrl: "api.sotaocr.com" }),
    error: SotaOcrError,
    says: /is not an http\(s\) URL: use e\.g\. "https:\/\/api\.sotaocr\.com"/,
    server: "no upload",
  },
  {
    name: "a base URL that is not http(s)",
    run: async () => new SotaOcrClient({ apiKey: KEY, baseUrl: "ftp://127.0.0.1/" }),
    error: SotaOcrError,
    says: /is not an http\(s\) URL/,
    server: "no upload",
  },
  {
    name: "a base URL that refuses connections (retried, then given up)",
    run: async (env) => (await env.client({ baseUrl: `http://127.0.0.1:${await closedPort()}` })).ocr(pdf3),
    error: APIConnectionError,
    fields: { mayHaveCreatedJob: false },
    says: /failed: .*ECONNREFUSED.*Check the network and baseUrl \/ SOTAOCR_BASE_URL/,
    server: "no upload",
    withinMs: 8000,
  },
  {
    name: "a base URL that answers an HTML page with 200",
    run: async (env) => {
      (await env.scripted()).on("POST /v1/extract", {
        status: 200,
        body: "<!doctype html><html><body>Welcome to nginx!</body></html>",
        headers: { "content-type": "text/html" },
      });
      return (await env.scriptedClient()).ocr(pdf3);
    },
    error: InvalidResponseError,
    says: /answered 200 with a body that is not JSON \(text\/html, \d+ bytes\)\. Check baseUrl \/ SOTAOCR_BASE_URL/,
    server: "an upload",
  },
  {
    name: "a base URL that answers an HTML 404 page",
    run: async (env) => {
      (await env.scripted()).on("POST /v1/extract", {
        status: 404,
        body: "<html><h1>Not Found</h1></html>",
        headers: { "content-type": "text/html" },
      });
      return (await env.scriptedClient()).ocr(pdf3);
    },
    error: NotFoundError,
    fields: { status: 404 },
    says: /The answer is an HTML page, not the SotaOCR API: check baseUrl \/ SOTAOCR_BASE_URL/,
    server: "an upload",
  },
  {
    name: "truncated JSON for a job's status",
    run: async (env) => {
      (await env.scripted()).on("POST /v1/extract", job("job_trunc", "pending")).on("GET /v1/jobs/job_trunc", {
        status: 200,
        body: '{"id":"job_trunc","status":"runn',
        headers: { "content-type": "application/json" },
      });
      return (await env.scriptedClient()).ocr(pdf3);
    },
    error: InvalidResponseError,
    fields: { jobId: "job_trunc" },
    says: /GET \/v1\/jobs\/job_trunc answered 200 with a body that is not JSON .*Check baseUrl \/ SOTAOCR_BASE_URL/,
    server: "an upload",
    withinMs: 6000,
  },
  {
    name: "a result that violates the schema (page_count a string)",
    run: async (env) => {
      (await env.scripted())
        .on("POST /v1/extract", job("job_schema", "pending"))
        .on("GET /v1/jobs/job_schema", job("job_schema", "completed", 3, 3))
        .on("GET /v1/jobs/job_schema/result", { json: { job_id: "job_schema", format: "json", page_count: "three", pages: [] } });
      return (await env.scriptedClient()).ocr(pdf3);
    },
    error: InvalidResponseError,
    fields: { jobId: "job_schema" },
    says: /answered with an unexpected body \(page_count: .*\)\. Check baseUrl \/ SOTAOCR_BASE_URL/,
    server: "an upload",
    withinMs: 6000,
  },
  {
    name: "an unknown job status forever: the deadline ends it",
    run: async (env) => {
      (await env.scripted())
        .on("POST /v1/extract", job("job_limbo", "queued_for_review"))
        .on("GET /v1/jobs/job_limbo", job("job_limbo", "queued_for_review"));
      return (await env.scriptedClient()).ocr(pdf3, { timeoutMs: 2500 });
    },
    error: TimeoutError,
    fields: { jobId: "job_limbo" },
    says: /Job job_limbo did not finish within 2500 ms .*resume with client\.waitForJob\("job_limbo"\)/,
    server: "an upload",
    withinMs: 7000,
    check: async (_error, env) => {
      const polls = (await env.scripted()).requestsTo("GET /v1/jobs/job_limbo").map((request) => request.at);
      expect(polls.length).toBeGreaterThanOrEqual(1);
      for (let i = 1; i < polls.length; i++) expect((polls[i] as number) - (polls[i - 1] as number)).toBeGreaterThanOrEqual(1000);
    },
  },
  {
    name: "a job that vanishes (404 mid-poll)",
    run: async (env) => {
      (await env.scripted())
        .on("POST /v1/extract", job("job_gone", "pending"))
        .on("GET /v1/jobs/job_gone", job("job_gone", "running", 3, 1), {
          status: 404,
          json: { error: { code: "job_not_found", message: "Job job_gone does not exist." } },
        });
      return (await env.scriptedClient()).ocr(pdf3);
    },
    error: NotFoundError,
    fields: { status: 404, code: "job_not_found", jobId: "job_gone" },
    says: /Job job_gone does not exist for this API key: it may have expired or belong to another key/,
    server: "an upload",
    withinMs: 7000,
  },
  {
    name: "an upload never answered (ambiguous: a job may exist)",
    run: async (env) => {
      (await env.scripted()).on("POST /v1/extract", "hang");
      return (await env.scriptedClient()).ocr(pdf3, { requestTimeoutMs: 500 });
    },
    error: APIConnectionError,
    fields: { mayHaveCreatedJob: true, idempotencyKey: expect.any(String) },
    says: /the server may have created a job .*retry with the same idempotencyKey/,
    server: "an upload",
  },
  {
    name: "a file larger than the server accepts",
    run: async (env) => {
      await env.emulator({ maxUploadBytes: 64 * 1024 });
      return (await env.client()).ocr(padPdf(pdf3, 256 * 1024));
    },
    error: APIError,
    fields: { status: 413, code: "file_too_large" },
    says: /split it, or limit it with pageRanges/,
    server: "no job",
  },
  {
    name: "an unknown model profile",
    run: async (env) => (await env.client()).ocr(pdf3, { modelProfile: "turbo" }),
    error: BadRequestError,
    fields: { status: 400, code: "invalid_model_profile" },
    says: /use one of standard, fast, accurate/,
    server: "no job",
  },

  // ---- Abort at each stage ----
  {
    name: "abort before the upload",
    run: async (env) => {
      env.controller.abort();
      return (await env.client()).ocr(pdf3, { signal: env.controller.signal });
    },
    error: AbortError,
    fields: { jobId: undefined },
    says: /Aborted by the caller's signal, before any job was known to exist .*call again/,
    server: "no upload",
  },
  {
    name: "abort during the upload",
    run: async (env) => {
      const client = await env.client();
      return client.ocr(padPdf(pdf3, 8 * MiB), {
        signal: env.controller.signal,
        // Once the server has the request and a megabyte of its body: mid-upload on both sides.
        onUploadProgress: (progress) => {
          if (progress.bytesSent >= MiB && env.emulatorLog?.uploads().length === 1) env.controller.abort();
        },
      });
    },
    error: AbortError,
    fields: { jobId: undefined },
    says: /POST \/v1\/extract was aborted/,
    server: "no job",
    check: async (_error, env) => {
      // The server saw the upload start and end unanswered: no job, no file.
      await until(() => env.emulatorLog?.uploads()[0]?.durationMs !== undefined);
      const uploads = env.emulatorLog?.uploads() ?? [];
      expect(uploads.map((entry) => [entry.status, entry.jobId, entry.sha256])).toEqual([[undefined, undefined, undefined]]);
    },
  },
  {
    name: "abort while waiting between polls",
    run: async (env) => {
      const client = await env.client({ baseUrl: (await env.emulator({ synthetic: { msPerPage: 2000 } })).url });
      return client.ocr(pdf3, {
        signal: env.controller.signal,
        onProgress: (progress) => {
          if (progress.status === "running") env.controller.abort();
        },
      });
    },
    error: AbortError,
    fields: { jobId: expect.stringMatching(/^job_/) },
    says: /Aborted by the caller.s signal; job job_\w+ may still be running on the server \(resume with waitForJob\("job_\w+"\)\)/,
    server: "a job",
    withinMs: 6000,
  },
  {
    name: "abort during a poll request",
    run: async (env) => {
      (await env.scripted()).on("POST /v1/extract", job("job_poll", "pending")).on("GET /v1/jobs/job_poll", () => {
        env.controller.abort();
        return "hang";
      });
      return (await env.scriptedClient()).ocr(pdf3, { signal: env.controller.signal });
    },
    error: AbortError,
    fields: { jobId: "job_poll" },
    says: /GET \/v1\/jobs\/job_poll was aborted; job job_poll may still be running on the server/,
    server: "an upload",
    withinMs: 6000,
  },
  {
    name: "abort during the result fetch",
    run: async (env) => {
      (await env.scripted())
        .on("POST /v1/extract", job("job_res", "pending"))
        .on("GET /v1/jobs/job_res", job("job_res", "completed", 3, 3))
        .on("GET /v1/jobs/job_res/result", () => {
          env.controller.abort();
          return "hang";
        });
      return (await env.scriptedClient()).ocr(pdf3, { signal: env.controller.signal });
    },
    error: AbortError,
    fields: { jobId: "job_res" },
    says: /GET \/v1\/jobs\/job_res\/result was aborted; job job_res may still be running on the server/,
    server: "an upload",
    withinMs: 6000,
  },

  // ---- The same through the integrations ----
  {
    name: "SotaOcrLoader given a directory",
    run: async (env) => new SotaOcrLoader(env.dir, { client: await env.client() }).load(),
    error: InvalidInputError,
    fields: { reason: "is_directory" },
    says: /Pass the files inside it, or use a directory loader \(LangChain's DirectoryLoader/,
    server: "no upload",
  },
  {
    name: "SotaOcrLoader given page range 0 (refused when made)",
    run: async (env) => new SotaOcrLoader(await env.file("a.pdf", pdf3), { client: await env.client(), pageRanges: "0" }),
    error: InvalidPageRangeError,
    says: /page numbers are whole numbers from 1/,
    server: "no upload",
  },
  {
    name: "SotaOcrReader given a truncated PDF (and it lands in reader.failures)",
    run: async (env) => {
      const reader = new SotaOcrReader({ client: await env.client() });
      const path = await env.file("cut.pdf", pdf3.subarray(0, 100));
      return reader.loadData(path).catch((error: unknown) => {
        expect(reader.failures).toEqual([{ source: path, error }]);
        throw error;
      });
    },
    error: UnsupportedFileError,
    fields: { reason: "truncated" },
    says: /Get a complete copy and try again/,
    server: "no upload",
  },
];

describe("bad input", () => {
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "sotaocr-bad-input-"));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it("has at least 25 rows, each with its own name", () => {
    expect(rows.length).toBeGreaterThanOrEqual(25);
    expect(new Set(rows.map((row) => row.name)).size).toBe(rows.length);
  });

  it.concurrent.each(rows.map((row, index) => ({ ...row, index })))(
    "$name",
    async (row) => {
      const dir = join(root, String(row.index));
      await mkdir(dir);
      const env = new RowEnv(dir);
      try {
        const started = performance.now();
        const outcome = await row.run(env).then(
          () => undefined,
          (error: unknown) => error,
        );
        const elapsed = performance.now() - started;
        expect(outcome, "the row must fail").toBeInstanceOf(row.error);
        const error = outcome as Error;
        expect(error.message).toMatch(row.says);
        if (row.fields) expect(error).toMatchObject(row.fields);
        expect(`${error.message} ${JSON.stringify(error)}`).not.toContain(KEY);
        expect(elapsed, `${row.name} took ${Math.round(elapsed)} ms`).toBeLessThan(row.withinMs ?? 5000);
        if (row.server === "no upload") expect(env.uploads()).toBe(0);
        if (row.server === "no job") {
          expect(env.uploads()).toBeGreaterThan(0);
          expect(env.jobs()).toBe(0);
          expect(env.emulatorLog?.uploads().every((entry) => entry.status !== 200)).toBe(true);
        }
        if (row.server === "a job") expect(env.jobs()).toBeGreaterThan(0);
        if (row.server === "an upload") expect(env.uploads()).toBeGreaterThan(0);
        await row.check?.(error, env);
      } finally {
        await env.close();
      }
    },
    20_000,
  );
});

/** Waits until `condition` holds (at most 5 s), checking every 10 ms. */
async function until(condition: () => boolean): Promise<void> {
  const deadline = performance.now() + 5000;
  while (!condition() && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
}
