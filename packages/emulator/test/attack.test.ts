import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { Agent, request } from "node:http";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SotaOcrClient } from "@sotaocr/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSyntheticEngine, type Emulator, type Engine, startEmulator } from "../src/index.js";
import { statusOf, streamRequest, zeros } from "./attack-helpers.js";
import { clientFor, errorCode, makePdf, multipart, raw, rawHttp, rawUpload, sha256, startSynthetic } from "./helpers.js";

/** The synthetic engine, counting the files it is asked to open (the only file reads a request can cause). */
function countingEngine(): Engine & { opened: string[] } {
  const inner = createSyntheticEngine({ msPerPage: 5 });
  const opened: string[] = [];
  return {
    name: "counting",
    opened,
    pageConcurrency: 1,
    open(path, fileType, signal) {
      opened.push(path);
      return inner.open(path, fileType, signal);
    },
    close: () => inner.close(),
  };
}

const ALICE = "key-alice";
const BOB = "key-bob";

describe("the emulator under attack", () => {
  let root: string;
  let dataDir: string;
  let engine: ReturnType<typeof countingEngine>;
  let emulator: Emulator;
  let jobId: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "emulator-attack-"));
    dataDir = join(root, "data");
    await mkdir(dataDir);
    await writeFile(join(root, "secret.txt"), "top secret");
    engine = countingEngine();
    emulator = await startEmulator({ engine, apiKeys: [ALICE, BOB], dataDir, pollIntervalMs: 0 });
    ({ jobId } = await clientFor(emulator).ocr(makePdf(2)));
  });
  afterAll(async () => {
    await emulator.close();
    await rm(root, { recursive: true, force: true });
  });

  /** Files under the data directory other than the jobs': leftovers of refused uploads. */
  const strayFiles = async () => (await readdir(dataDir)).filter((name) => !name.startsWith("job_"));

  const routes = () => [
    { method: "POST", path: "/v1/extract" },
    { method: "GET", path: `/v1/jobs/${jobId}` },
    { method: "GET", path: `/v1/jobs/${jobId}/result?format=text` },
    { method: "GET", path: `/v1/jobs/${jobId}/pages/1/preview` },
    { method: "GET", path: "/v1/balance" },
    { method: "GET", path: "/api/v1/info" },
  ];

  it("answers 401 on every route without a key, with a malformed one or a wrong one; a refused upload leaves nothing", async () => {
    const upload = multipart([{ name: "file", value: makePdf(1), filename: "a.pdf" }]);
    const variants: [label: string, headers: Record<string, string>, query: string, code: string][] = [
      ["no header", {}, "", "missing_api_key"],
      ["key in the query string", {}, `api_key=${ALICE}`, "missing_api_key"],
      ["bearer without key", { authorization: "Bearer" }, "", "missing_api_key"],
      ["two tokens", { authorization: `Bearer ${ALICE} ${BOB}` }, "", "missing_api_key"],
      ["raw key, no scheme", { authorization: ALICE }, "", "missing_api_key"],
      ["wrong key", { authorization: "Bearer key-mallory" }, "", "invalid_api_key"],
      ["right key, wrong case", { authorization: `Bearer ${ALICE.toUpperCase()}` }, "", "invalid_api_key"],
      ["a prefix of the key", { authorization: `Bearer ${ALICE.slice(0, -1)}` }, "", "invalid_api_key"],
      ["a 4 KB key", { authorization: `Bearer ${"k".repeat(4096)}` }, "", "invalid_api_key"],
    ];
    const opened = engine.opened.length;
    for (const { method, path } of routes()) {
      for (const [label, headers, query, code] of variants) {
        const url = query ? `${path}${path.includes("?") ? "&" : "?"}${query}` : path;
        const response = await raw(emulator, url, {
          method,
          key: null,
          headers: method === "POST" ? { ...headers, "content-type": upload.contentType } : headers,
          body: method === "POST" ? upload.body : undefined,
        });
        expect([path, label, response.status, errorCode(response.json)]).toEqual([path, label, 401, code]);
      }
    }
    // A wrong key with a large upload body: refused before the body is stored, and not read to its end.
    const { response, bytesSent } = await streamRequest(
      emulator.port,
      "POST /v1/extract HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer key-mallory\r\n" +
        "Content-Type: multipart/form-data; boundary=b\r\nTransfer-Encoding: chunked\r\n\r\n",
      zeros(
        512 * 1024 * 1024,
        256 * 1024,
        Buffer.from('--b\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n%PDF-1.4\n'),
      ),
      { chunked: true },
    );
    expect(statusOf(response)).toMatchObject({ status: 401, code: "invalid_api_key" });
    expect(bytesSent).toBeLessThan(128 * 1024 * 1024);
    expect(engine.opened.length).toBe(opened);
    expect(await strayFiles()).toEqual([]);
    expect(emulator.log.uploads().filter((entry) => entry.status === 200)).toHaveLength(1);
  });

  it("answers 404 to another key's job on every job route, and another key's Idempotency-Key replays nothing", async () => {
    for (const suffix of ["", "/result", "/result?format=markdown", "/pages/1/preview", "/pages/2/preview"]) {
      const response = await raw(emulator, `/v1/jobs/${jobId}${suffix}`, { key: BOB });
      expect([suffix, response.status, errorCode(response.json)]).toEqual([suffix, 404, "job_not_found"]);
      // Same message as for a job that never existed: nothing tells Bob that Alice's job is there.
      const unknown = await raw(emulator, `/v1/jobs/job_${"0".repeat(24)}${suffix}`, { key: BOB });
      expect(unknown.json).toEqual({
        error: {
          code: "job_not_found",
          message: String((response.json?.error as { message?: string } | undefined)?.message).replace(jobId, `job_${"0".repeat(24)}`),
        },
      });
    }
    const pdf = makePdf(3, { label: "shared" });
    const alice = await rawUpload(emulator, pdf, {}, { "idempotency-key": "same-key" });
    const bob = await raw(emulator, "/v1/extract", {
      key: BOB,
      method: "POST",
      headers: { "idempotency-key": "same-key", "content-type": multipart([]).contentType },
      body: multipart([{ name: "file", value: pdf, filename: "a.pdf" }]).body,
    });
    expect([alice.status, bob.status]).toEqual([200, 200]);
    expect(bob.json?.id).not.toBe(alice.json?.id);
    expect(bob.headers.get("idempotent-replayed")).toBeNull();
    expect((await raw(emulator, `/v1/jobs/${alice.json?.id}`, { key: BOB })).status).toBe(404);
    expect((await raw(emulator, `/v1/jobs/${bob.json?.id}`, { key: ALICE })).status).toBe(404);
  });

  it("answers 404 to path traversal and absurd job ids, and opens no file for them", async () => {
    const opened = engine.opened.length;
    const ids = [
      "..%2F..%2Fsecret.txt",
      "..%2Fsecret.txt",
      "%2e%2e%2f%2e%2e%2fsecret.txt",
      "..%5C..%5Csecret.txt",
      "%2E%2E",
      "..",
      ".",
      `${jobId}%2F..%2F..%2Fsecret.txt`,
      `${jobId}%00`,
      `${jobId}.`,
      jobId.toUpperCase(),
      ` ${jobId}`,
      `job_${"f".repeat(23)}`,
      `job_${"f".repeat(25)}`,
      `job_${"g".repeat(24)}`,
      `job_${"a".repeat(8000)}`,
      "x".repeat(12_000),
      "%ff%fe%00%01",
      "%E0%A4%A",
      "%",
      "job_%F0%9F%99%82",
      "null",
      "undefined",
      "__proto__",
      "constructor",
      "job_000000000000000000000000", // well formed, unknown
    ];
    for (const id of ids) {
      for (const suffix of ["", "/result", "/result?format=text", "/pages/1/preview", "/pages/..%2F..%2Fsecret.txt/preview"]) {
        const response = await raw(emulator, `/v1/jobs/${id}${suffix}`);
        // fetch resolves "." and ".." (also as %2E): those reach another path, a JSON 404 too.
        const code = /^(\.|\.\.|%2E%2E)$/i.test(id) ? expect.stringMatching(/^(job_)?not_found$/) : "job_not_found";
        expect([id.slice(0, 40), suffix, response.status, errorCode(response.json)]).toEqual([id.slice(0, 40), suffix, 404, code]);
      }
    }
    // A real job with a traversal in the page: its pages only.
    for (const page of ["..%2F..%2Fsecret.txt", "..%2F1", "1%2F..", "0x1", "1e0", " 1", "%31"]) {
      const response = await raw(emulator, `/v1/jobs/${jobId}/pages/${page}/preview`);
      expect([page, response.status, errorCode(response.json)]).toEqual([page, 404, "page_not_found"]);
    }
    // Sent byte for byte (fetch would normalise them): dot segments, backslashes, absolute and odd targets.
    const targets = [
      "/v1/jobs/../../secret.txt",
      "/v1/jobs/../../../../../../etc/passwd",
      `/v1/jobs/${jobId}/../../../secret.txt`,
      "/v1/jobs/..\\..\\secret.txt",
      "/v1/jobs/%2e%2e/%2e%2e/secret.txt",
      "//v1/jobs/..%2f..%2fsecret.txt",
      "/v1/jobs/;/result",
      "/v1/jobs/?/result",
      "/v1/jobs/#/result",
      "*",
    ];
    for (const target of targets) {
      const { response } = await rawHttp(
        emulator.port,
        `GET ${target} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ALICE}\r\nConnection: close\r\n\r\n`,
      );
      const { status, code } = statusOf(response);
      expect([target, status, code]).toEqual([target, 404, expect.stringMatching(/^(job_)?not_found$/)]);
    }
    // Past Node's 16 KiB header limit: a JSON 431, and the connection is closed.
    const { response } = await rawHttp(emulator.port, `GET /v1/jobs/${"a".repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(statusOf(response)).toMatchObject({ status: 431, code: "headers_too_large" });
    expect(statusOf(response).headers).toContain("connection: close");
    expect(statusOf(response).headers).toContain("content-type: application/json");

    expect(engine.opened.length).toBe(opened);
    expect(await readFile(join(root, "secret.txt"), "utf8")).toBe("top secret");
    // The real job is still served, and its preview is the only file opened.
    expect((await raw(emulator, `/v1/jobs/${jobId}/pages/2/preview`)).status).toBe(200);
    expect(engine.opened.slice(opened)).toEqual([join(dataDir, jobId, "document.pdf")]);
  });

  it("answers 400 to malformed multipart and malformed HTTP, leaves no partial file, and keeps serving", async () => {
    const part = (name: string, filename?: string) =>
      `Content-Disposition: form-data; name="${name}"${filename === undefined ? "" : `; filename="${filename}"`}\r\n\r\n`;
    const pdf = Buffer.from(makePdf(1)).toString("latin1");
    const cases: [label: string, contentType: string | undefined, body: string, code: string][] = [
      [
        "boundary in the header differs from the body's",
        "multipart/form-data; boundary=AAA",
        `--BBB\r\n${part("file", "a.pdf")}${pdf}\r\n--BBB--\r\n`,
        "invalid_multipart",
      ],
      ["no boundary parameter", "multipart/form-data", `--b\r\n${part("file", "a.pdf")}${pdf}\r\n--b--\r\n`, "invalid_multipart"],
      ["empty boundary", "multipart/form-data; boundary=", `--\r\n${part("file", "a.pdf")}${pdf}\r\n----\r\n`, "invalid_multipart"],
      ["truncated: no closing delimiter", "multipart/form-data; boundary=b", `--b\r\n${part("file", "a.pdf")}${pdf}`, "invalid_multipart"],
      ["truncated inside the part headers", "multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-da", "invalid_multipart"],
      ["only the closing delimiter", "multipart/form-data; boundary=b", "--b--\r\n", "missing_file"],
      [
        "no file field, only page_ranges",
        "multipart/form-data; boundary=b",
        `--b\r\n${part("page_ranges")}[{"start":1,"end":1}]\r\n--b--\r\n`,
        "missing_file",
      ],
      [
        "file part without a filename (a text field)",
        "multipart/form-data; boundary=b",
        `--b\r\n${part("file")}${pdf}\r\n--b--\r\n`,
        "missing_file",
      ],
      [
        "file under another name",
        "multipart/form-data; boundary=b",
        `--b\r\n${part("upload", "a.pdf")}${pdf}\r\n--b--\r\n`,
        "missing_file",
      ],
      [
        "a part header of 100 KB",
        "multipart/form-data; boundary=b",
        `--b\r\nX-Junk: ${"j".repeat(100_000)}\r\n${part("file", "a.pdf")}${pdf}\r\n--b--\r\n`,
        "invalid_multipart",
      ],
      [
        "2000 empty parts before the file",
        "multipart/form-data; boundary=b",
        `${`--b\r\n${part("x")}\r\n`.repeat(2000)}--b\r\n${part("file", "a.pdf")}${pdf}\r\n--b--\r\n`,
        "missing_file",
      ],
      ["binary garbage", "multipart/form-data; boundary=b", "\u0000\u00ff\u00fe garbage \r\n\r\n--", "invalid_multipart"],
      ["JSON body", "application/json", '{"file":"JVBERi0xLjQ="}', "invalid_multipart"],
      ["plain text body", "text/plain", pdf, "invalid_multipart"],
      ["url-encoded form", "application/x-www-form-urlencoded", "file=%25PDF-1.4", "missing_file"],
      ["no content type", undefined, pdf, "invalid_multipart"],
      ["multipart/mixed", "multipart/mixed; boundary=b", `--b\r\n${part("file", "a.pdf")}${pdf}\r\n--b--\r\n`, "invalid_multipart"],
    ];
    for (const [label, contentType, body, code] of cases) {
      const bytes = Buffer.from(body, "latin1");
      const { response } = await streamRequest(
        emulator.port,
        `POST /v1/extract HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ALICE}\r\n` +
          `${contentType === undefined ? "" : `Content-Type: ${contentType}\r\n`}Content-Length: ${bytes.byteLength}\r\n\r\n`,
        [bytes],
      );
      const answer = statusOf(response);
      expect([label, answer.status, answer.code]).toEqual([label, 400, code]);
      expect(answer.headers).toContain("content-type: application/json");
    }
    // Malformed HTTP around an upload: a bad chunk size, and a body cut off by the client.
    const bad = await streamRequest(
      emulator.port,
      `POST /v1/extract HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ALICE}\r\nContent-Type: multipart/form-data; boundary=b\r\nTransfer-Encoding: chunked\r\n\r\n`,
      [Buffer.from(`zz\r\n--b\r\n${part("file", "a.pdf")}`)],
    );
    expect(statusOf(bad.response).status).toBe(400);
    await new Promise<void>((resolve) => {
      const socket = connect(emulator.port, "127.0.0.1", () => {
        socket.write(
          `POST /v1/extract HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ALICE}\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 1000000\r\n\r\n` +
            `--b\r\n${part("file", "a.pdf")}%PDF-1.4\n${"x".repeat(200_000)}`,
          () => socket.destroy(),
        );
      });
      socket.on("close", () => resolve());
    });
    for (const raw of ["HELLO\r\n\r\n", "GET /v1/balance HTTP/1.1\r\nBad Header Line\r\n\r\n", "GET /v1/balance HTTP/9.9\r\n\r\n"]) {
      const { response } = await rawHttp(emulator.port, raw);
      expect([JSON.stringify(raw), statusOf(response).status, statusOf(response).code]).toEqual([JSON.stringify(raw), 400, "bad_request"]);
    }
    // After a malformed request the server closes the connection for good, even if the client keeps
    // its side open: a write 1.5 s after the server's FIN meets a closed socket (a reset).
    const closed = await new Promise<{ answer: string; outcome: string }>((resolve) => {
      let answer = "";
      const socket = connect({ port: emulator.port, host: "127.0.0.1", allowHalfOpen: true }, () =>
        socket.write("GET /v1/balance HTTP/1.1\r\nBad Header Line\r\n\r\n"),
      );
      const giveUp = setTimeout(() => {
        socket.destroy();
        resolve({ answer, outcome: "still open after 5 s" });
      }, 5000);
      socket.setEncoding("latin1").on("data", (chunk: string) => {
        answer += chunk;
      });
      // The first write draws the reset; the next one fails on it.
      socket.on("end", () => {
        setTimeout(() => socket.write("still there?"), 1500);
        setTimeout(() => socket.write("hello?"), 1700);
      });
      socket.on("error", () => undefined);
      socket.on("close", () => {
        clearTimeout(giveUp);
        resolve({ answer, outcome: "closed" });
      });
    });
    expect([statusOf(closed.answer).status, closed.outcome]).toEqual([400, "closed"]);
    // The interrupted upload's partial file is removed once the server sees the connection gone.
    await waitFor(async () => (await strayFiles()).length === 0);
    expect(await strayFiles()).toEqual([]);
    const after = await clientFor(emulator).ocr(makePdf(1, { label: "after the attack" }));
    expect(after.pages).toHaveLength(1);
  });

  it("gives concurrent uploads with one Idempotency-Key one job", async () => {
    const pdf = makePdf(2, { label: "race" });
    const uploads = await Promise.all(Array.from({ length: 40 }, () => rawUpload(emulator, pdf, {}, { "idempotency-key": "race-key" })));
    expect(uploads.map((upload) => upload.status)).toEqual(uploads.map(() => 200));
    const ids = new Set(uploads.map((upload) => upload.json?.id));
    expect(ids.size).toBe(1);
    expect(uploads.filter((upload) => upload.headers.get("idempotent-replayed") === "true")).toHaveLength(39);
    expect((await readdir(dataDir)).filter((name) => name === [...ids][0])).toHaveLength(1);
    expect(emulator.log.uploadCountBySha256()[sha256(pdf)]).toBe(40);
  });

  it("answers each of 500 concurrent connections correctly, then still serves", async () => {
    const agent = new Agent({ keepAlive: false, maxSockets: 500 });
    const kinds = [
      { path: "/v1/balance", key: ALICE, status: 200, check: (body: Record<string, unknown>) => typeof body.remaining_pages === "number" },
      { path: "/api/v1/info", key: BOB, status: 200, check: (body: Record<string, unknown>) => Array.isArray(body.model_profiles) },
      { path: `/v1/jobs/${jobId}`, key: BOB, status: 404, check: (body: Record<string, unknown>) => errorCode(body) === "job_not_found" },
      {
        path: "/v1/balance",
        key: "key-mallory",
        status: 401,
        check: (body: Record<string, unknown>) => errorCode(body) === "invalid_api_key",
      },
    ];
    const before = emulator.log.entries.length;
    try {
      const answers = await Promise.all(
        Array.from({ length: 500 }, (_, i) => {
          const kind = kinds[i % kinds.length] as (typeof kinds)[number];
          return new Promise<boolean>((resolve, reject) => {
            const req = request(`${emulator.url}${kind.path}`, { agent, headers: { authorization: `Bearer ${kind.key}` } }, (res) => {
              let text = "";
              res.setEncoding("utf8");
              res.on("data", (chunk: string) => {
                text += chunk;
              });
              res.on("end", () => resolve(res.statusCode === kind.status && kind.check(JSON.parse(text))));
            });
            req.on("error", reject);
            req.end();
          });
        }),
      );
      expect(answers.filter(Boolean)).toHaveLength(500);
    } finally {
      agent.destroy();
    }
    const entries = emulator.log.entries.slice(before);
    expect(entries).toHaveLength(500);
    expect(entries.every((entry) => entry.status !== undefined)).toBe(true);
    expect((await clientFor(emulator).getBalance()).remainingPages).toBeGreaterThan(0);
  });

  it("keeps serving while 500 connections sit idle half-way through their headers", async () => {
    const sockets: Socket[] = [];
    try {
      await Promise.all(
        Array.from(
          { length: 500 },
          () =>
            new Promise<void>((resolve, reject) => {
              const socket = connect(emulator.port, "127.0.0.1", () => {
                socket.write(`GET /v1/balance HTTP/1.1\r\nHost: x\r\nAuthorization: Bea`);
                resolve();
              });
              socket.on("error", reject);
              sockets.push(socket);
            }),
        ),
      );
      const started = performance.now();
      const client = new SotaOcrClient({ baseUrl: emulator.url, apiKey: BOB, maxRetries: 0, timeoutMs: 5000 });
      const [balance, result] = await Promise.all([client.getBalance(), client.ocr(makePdf(1, { label: "while idle" }))]);
      expect(balance.remainingPages).toBeGreaterThan(9_990);
      expect(result.pages).toHaveLength(1);
      expect(performance.now() - started).toBeLessThan(5000);
      expect(sockets.every((socket) => !socket.destroyed)).toBe(true);
    } finally {
      for (const socket of sockets) socket.destroy();
    }
  });
});

/** A connection that sends `head`, then one byte of `trickle` every `everyMs`, and records what comes back. */
function trickle(port: number, head: string, trickle: string, everyMs: number) {
  const socket = connect(port, "127.0.0.1");
  let answer = "";
  let sent = 0;
  socket.setEncoding("latin1").on("data", (chunk: string) => {
    answer += chunk;
  });
  socket.on("error", () => undefined);
  socket.write(head);
  const timer = setInterval(() => {
    if (socket.writable) socket.write(trickle.charAt(sent++ % trickle.length));
  }, everyMs);
  const started = performance.now();
  const closed = new Promise<{ answer: string; openMs: number }>((resolve) =>
    socket.on("close", () => {
      clearInterval(timer);
      resolve({ answer, openMs: performance.now() - started });
    }),
  );
  return { socket, closed };
}

/** Resolves with `promise`, or rejects after `ms` (so a connection held open fails the test instead of hanging it). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still open after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

describe("slow and numerous connections", () => {
  it("answers 408 and closes connections whose headers or upload body trickle in past requestTimeoutMs, and keeps no partial file", async () => {
    const emulator = await startSynthetic({ requestTimeoutMs: 1000 });
    const connections: ReturnType<typeof trickle>[] = [];
    try {
      const upload = trickle(
        emulator.port,
        `POST /v1/extract HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${emulator.apiKey}\r\n` +
          "Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 1000000\r\n\r\n" +
          '--b\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n%PDF-1.4\n',
        "x",
        50,
      );
      const headers = trickle(emulator.port, "GET /v1/balance HTTP/1.1\r\nHost: x\r\nX-Slow: ", "y", 50);
      connections.push(upload, headers);
      const [uploadEnd, headersEnd] = await within(Promise.all([upload.closed, headers.closed]), 8000, "a trickling connection");
      for (const end of [uploadEnd, headersEnd]) {
        expect(statusOf(end.answer)).toMatchObject({ status: 408, code: "request_timeout" });
        expect(statusOf(end.answer).headers).toContain("connection: close");
        expect(end.openMs).toBeGreaterThanOrEqual(900);
      }
      // The server saw the upload, answered it 408, and removed what it had stored of it.
      const uploads = emulator.log.uploads();
      expect(uploads.map((entry) => [entry.status, entry.sha256])).toEqual([[408, undefined]]);
      await waitFor(async () => (await readdir(emulator.dataDir)).length === 0);
      expect(await readdir(emulator.dataDir)).toEqual([]);
      // A request that arrives at once is served as before.
      expect((await clientFor(emulator).ocr(makePdf(1))).pages).toHaveLength(1);
    } finally {
      for (const connection of connections) connection.socket.destroy();
      await emulator.close();
    }
  });

  it("closes connections beyond maxConnections at once, and serves again once some close", async () => {
    const emulator = await startSynthetic({ maxConnections: 4 });
    const idle: Socket[] = [];
    try {
      for (let i = 0; i < 4; i++) {
        const socket = connect(emulator.port, "127.0.0.1");
        socket.on("error", () => undefined);
        await new Promise((resolve) => socket.once("connect", resolve));
        socket.write("GET /v1/balance HTTP/1.1\r\nHost: x\r\nAuthori");
        idle.push(socket);
      }
      const extra = trickle(
        emulator.port,
        `GET /v1/balance HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${emulator.apiKey}\r\n\r\n`,
        "",
        1000,
      );
      const refused = await within(extra.closed, 5000, "the connection over the limit");
      expect(refused.answer).toBe("");
      // Nothing of it reached the pipeline.
      expect(emulator.log.entries).toEqual([]);
      for (const socket of idle.splice(0, 2)) socket.destroy();
      await waitFor(async () => {
        try {
          return (await raw(emulator, "/v1/balance")).status === 200;
        } catch {
          return false;
        }
      });
      expect((await clientFor(emulator).getBalance()).remainingPages).toBe(10_000);
    } finally {
      for (const socket of idle) socket.destroy();
      await emulator.close();
    }
  });
});

describe("the request log under a flood", () => {
  it("keeps only the newest maxLogEntries requests, with long paths, queries and Idempotency-Keys cut short", async () => {
    const emulator = await startSynthetic({ maxLogEntries: 50, pollIntervalMs: 0 });
    try {
      const { jobId } = await clientFor(emulator).ocr(makePdf(1));
      expect(emulator.log.pollTimes(jobId).length).toBeGreaterThan(0);
      // Unauthenticated, each near Node's 16 KiB limit for the request line and headers.
      const long = (c: string, n: number) => c.repeat(n);
      for (let i = 0; i < 80; i++) {
        const response = await raw(emulator, `/v1/jobs/${i}-${long("a", 5000)}?q=${long("q", 5000)}`, {
          key: null,
          headers: { "idempotency-key": long("k", 4000) },
        });
        expect(response.status).toBe(401);
      }
      const entries = emulator.log.entries;
      expect(entries).toHaveLength(50);
      // The newest 50, oldest first; the upload and its polls are gone.
      expect(entries.map((entry) => Number(/^\/v1\/jobs\/(\d+)-/.exec(entry.path)?.[1]))).toEqual(
        Array.from({ length: 50 }, (_, i) => 30 + i),
      );
      expect(emulator.log.uploads()).toEqual([]);
      expect(emulator.log.pollTimes(jobId)).toEqual([]);
      for (const entry of entries) {
        expect([entry.path.length, entry.query.length, entry.idempotencyKey?.length]).toEqual([256, 256, 256]);
        expect([entry.path, entry.query, entry.idempotencyKey].every((text) => text?.endsWith("…"))).toBe(true);
        expect(entry.status).toBe(401);
      }
      // Still recording, still in order; short values are kept whole.
      await raw(emulator, "/v1/balance", { headers: { "idempotency-key": "short" } });
      expect(emulator.log.entries).toHaveLength(50);
      expect(emulator.log.entries.at(-1)).toMatchObject({ path: "/v1/balance", idempotencyKey: "short", status: 200 });
      emulator.log.clear();
      await raw(emulator, "/api/v1/info");
      expect(emulator.log.entries.map((entry) => entry.path)).toEqual(["/api/v1/info"]);
    } finally {
      await emulator.close();
    }
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
