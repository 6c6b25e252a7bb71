import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DownloadError, SotaOcrClient, SotaOcrError } from "@sotaocr/core";
import { type Emulator, startEmulator } from "@sotaocr/emulator";
import { hasRedisServer, makePdf, startRedis, type TestRedis } from "@sotaocr/test-support";
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { OcrQueue, OcrWorker, type OcrWorkerOptions, type QueueItem } from "../src/index.js";
import { requireRedisServer } from "./support.js";

// In-process workers against a real redis-server and the emulator: files given as http(s) URLs,
// and a 429 that outlasts the client's retries pausing every worker.

let redis: TestRedis;
let emulator: Emulator | undefined;
const servers: Server[] = [];
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  requireRedisServer(hasRedisServer());
  redis = await startRedis();
});

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
  }
  await emulator?.close();
  emulator = undefined;
});

afterAll(async () => {
  await redis?.stop();
});

async function listen(server: Server): Promise<string> {
  servers.push(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function openQueue(name: string): OcrQueue {
  const queue = new OcrQueue({ redis: redis.url, name });
  closers.push(() => queue.close());
  return queue;
}

function startWorker(name: string, options: Partial<OcrWorkerOptions> = {}): OcrWorker {
  const worker = new OcrWorker({ redis: redis.url, name, client: { baseUrl: emulator?.url, apiKey: emulator?.apiKey }, ...options });
  closers.push(() => worker.close());
  return worker;
}

async function collect(queue: OcrQueue): Promise<QueueItem[]> {
  const items: QueueItem[] = [];
  for await (const item of queue.results({ pollIntervalMs: 100 })) items.push(item);
  return items;
}

describe("URL inputs", () => {
  it("add → work → results: http URLs are downloaded by the producer (hashed) and by the worker (uploaded), sources kept", async () => {
    emulator = await startEmulator({ engine: "synthetic", synthetic: { msPerPage: 20 } });
    const files: Record<string, Uint8Array> = {
      "/docs/report.pdf": makePdf(["one", "two", "three"]),
      "/docs/scan%20one.pdf": makePdf(["scanned"]),
    };
    const served: string[] = [];
    const base = await listen(
      createServer((req, res) => {
        served.push(req.url ?? "");
        const body = files[req.url ?? ""];
        if (!body) {
          res.writeHead(404).end("not here");
          return;
        }
        res.writeHead(200, { "content-type": "application/pdf" }).end(body);
      }),
    );
    const urls = [`${base}/docs/report.pdf`, `${base}/docs/scan%20one.pdf`];
    const queue = openQueue("urls");

    const added = await queue.add(urls);
    expect(added.map((file) => [file.source, file.outcome])).toEqual(urls.map((url) => [url, "added"]));
    // A URL that does not answer 200 is refused at the door, not queued.
    await expect(queue.add([`${base}/docs/missing.pdf`])).rejects.toThrow(/it answered 404/);
    expect(served.length).toBe(3);

    startWorker("urls");
    const items = await collect(queue);
    expect(items.filter((item) => item.error).map((item) => item.error?.message)).toEqual([]);
    const bySource = new Map(items.map((item) => [item.source, item.result]));
    expect([...bySource.keys()].sort()).toEqual([...urls].sort());
    expect(bySource.get(urls[0] as string)).toMatchObject({
      pageCount: 3,
      file: { source: urls[0], filename: "report.pdf", fileType: "pdf" },
    });
    expect(bySource.get(urls[1] as string)).toMatchObject({ pageCount: 1, file: { filename: "scan one.pdf" } });
    // The worker fetched each URL once more to upload it, and uploaded exactly the bytes queued.
    expect(served.filter((path) => path !== "/docs/missing.pdf").sort()).toEqual([...Object.keys(files), ...Object.keys(files)].sort());
    const uploads = emulator.log.uploadCountBySha256();
    expect(Object.values(uploads)).toEqual([1, 1]);
    expect(Object.keys(uploads).sort()).toEqual(added.map((file) => file.sha256).sort());
  });

  it("a URL whose bytes changed after it was queued fails its file, and nothing is uploaded", async () => {
    emulator = await startEmulator({ engine: "synthetic", synthetic: { msPerPage: 20 } });
    let version = 1;
    const base = await listen(createServer((_req, res) => res.writeHead(200).end(makePdf([`version ${version}`]))));
    const queue = openQueue("url-changed");
    await queue.add([`${base}/moving.pdf`], { attempts: 1 });
    version = 2;
    startWorker("url-changed");
    const items = await collect(queue);
    expect(items.map((item) => item.error?.message)).toEqual([expect.stringMatching(/changed after it was queued/)]);
    expect(emulator.log.uploads().length).toBe(0);
  });
});

describe("URL downloads are bounded", () => {
  it("a URL over the size cap is refused by add, and by a worker when it grew after queueing, with a DownloadError", async () => {
    emulator = await startEmulator({ engine: "synthetic", synthetic: { msPerPage: 20 } });
    /** Whether the server answers with a body declared far over the default cap (256 MiB). */
    let huge = false;
    let hugeClosed = 0;
    const base = await listen(
      createServer((_req, res) => {
        if (!huge) return res.writeHead(200).end(makePdf(["small for now"]));
        // Declared 1 GiB; a little is sent, and the connection held until the client closes it.
        res.on("close", () => hugeClosed++);
        res.writeHead(200, { "content-length": String(2 ** 30) }).write(Buffer.alloc(1024));
      }),
    );
    const queue = openQueue("url-too-large");
    huge = true;
    const refused = await queue.add([`${base}/big.pdf`]).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DownloadError);
    expect(refused).toMatchObject({ problem: "too_large", source: `${base}/big.pdf` });
    await vi.waitFor(() => expect(hugeClosed).toBe(1)); // the client closed the connection, not reading on

    huge = false;
    // The producer's own bounds (`download`): a small file over a smaller cap.
    const capped = await queue.add([`${base}/small.pdf`], { download: { maxBytes: 64 } }).catch((error: unknown) => error);
    expect(capped).toMatchObject({ name: "DownloadError", problem: "too_large", limitBytes: 64 });

    await queue.add([`${base}/grows.pdf`], { attempts: 2 });
    huge = true;
    startWorker("url-too-large");
    const items = await collect(queue);
    expect(items.map((item) => item.error?.message)).toEqual([
      expect.stringMatching(
        /DownloadError: Cannot download .*grows\.pdf: its Content-Length says 1073741824 bytes, over the 256 MiB limit/,
      ),
    ]);
    await vi.waitFor(() => expect(hugeClosed).toBe(2)); // one try: a file over the cap is not tried again
    expect(emulator.log.uploads().length).toBe(0);
  });
});

describe("a URL download that stalls in a worker", () => {
  it("ends at the worker's download time limit and is tried again (a stall may pass); the next try succeeds", async () => {
    emulator = await startEmulator({ engine: "synthetic", synthetic: { msPerPage: 20 } });
    const pdf = makePdf(["stalls once"]);
    let requests = 0;
    const base = await listen(
      createServer((_req, res) => {
        requests++;
        // 1: the producer's download; 2: the worker's first try stalls mid-body; 3: its second try.
        if (requests === 2) return res.writeHead(200, { "content-length": String(pdf.byteLength) }).write(pdf.subarray(0, 10));
        res.writeHead(200).end(pdf);
      }),
    );
    const queue = openQueue("url-stalls");
    await queue.add([`${base}/stalls.pdf`], { attempts: 2 });
    startWorker("url-stalls", { download: { timeoutMs: 500 } });
    const items = await collect(queue);
    expect(items.map((item) => [item.error?.message, item.result?.pageCount])).toEqual([[undefined, 1]]);
    expect(requests).toBe(3);
    expect(Object.values(emulator.log.uploadCountBySha256())).toEqual([1]);
  });
});

describe("bad result options", () => {
  it("are refused by add before any file is read, with exactly the errors the client gives", async () => {
    emulator = await startEmulator({ engine: "synthetic" });
    const dir = await mkdtemp(join(tmpdir(), "sotaocr-queue-options-"));
    closers.push(() => rm(dir, { recursive: true, force: true }));
    const path = join(dir, "file.pdf");
    await writeFile(path, makePdf(["one"]));
    const client = new SotaOcrClient({ baseUrl: emulator.url, apiKey: emulator.apiKey, maxRetries: 0 });
    const queue = openQueue("bad-options");
    const bad = [{ format: "html" }, { pageRanges: "3-1" }, { pageRanges: [{ start: 0, end: 2 }] }] as const;
    for (const options of bad) {
      const fromClient = await client.ocr(path, options as never).catch((error: unknown) => error);
      const fromQueue = await queue.add([path], options as never).catch((error: unknown) => error);
      expect(fromClient).toBeInstanceOf(SotaOcrError);
      expect(fromQueue).toBeInstanceOf((fromClient as Error).constructor);
      expect((fromQueue as Error).message).toBe((fromClient as Error).message);
    }
    expect(emulator.log.uploads()).toEqual([]);
    expect(await queue.status()).toMatchObject({ waiting: 0 });
  });
});

describe("the key's rate limit", () => {
  it("a 429 that outlasts the client's retries pauses every worker: no file starts until it ends, and no try is used up", async () => {
    emulator = await startEmulator({ engine: "synthetic", synthetic: { msPerPage: 20 } });
    const target = emulator.url;
    // A proxy in front of the emulator: the first upload is held until a second upload arrives (so
    // both workers are busy), then answered 429 with Retry-After: 3 without reaching the emulator.
    const RETRY_AFTER_S = 4;
    const queue = openQueue("rate-limit");
    /**
     * How long the queue's pause has left, in ms (0: not paused). The pause is BullMQ's limiter key
     * set to MAX_SAFE_INTEGER by `worker.rateLimit()`; the key otherwise counts the files started
     * in the current second.
     */
    const pausedForMs = async () => {
      // BullMQ types its connection narrowly; it is the ioredis client the queue was given.
      const client = (await queue.queue.client) as unknown as Redis;
      const key = queue.queue.keys.limiter as string;
      const [count, ttl] = await Promise.all([client.get(key), client.pttl(key)]);
      return Number(count) >= Number.MAX_SAFE_INTEGER ? Math.max(ttl, 0) : 0;
    };
    /** Each upload reaching the proxy, with the pause left (ms) when it arrived. */
    const uploads: { n: number; pausedForMs: number }[] = [];
    let answered429 = 0;
    let releaseFirst: () => void = () => undefined;
    const secondArrived = new Promise<void>((resolve) => {
      releaseFirst = resolve;
    });
    const proxyUrl = await listen(
      createServer(async (req: IncomingMessage, res) => {
        const isUpload = req.method === "POST" && req.url?.startsWith("/v1/extract");
        if (isUpload) {
          const n = uploads.length + 1;
          const entry = { n, pausedForMs: 0 };
          uploads.push(entry);
          entry.pausedForMs = await pausedForMs();
          if (n === 1) {
            req.resume();
            await secondArrived;
            answered429++;
            res
              .writeHead(429, { "content-type": "application/json", "retry-after": String(RETRY_AFTER_S) })
              .end(JSON.stringify({ error: { code: "rate_limited", message: "Too many requests for this key." } }));
            return;
          }
          if (n === 2) releaseFirst();
        }
        const upstream = request(new URL(req.url ?? "/", target), { method: req.method, headers: req.headers });
        upstream.on("response", (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        });
        upstream.on("error", () => res.destroy());
        req.pipe(upstream);
      }),
    );
    // maxRetries 0: the client gives up on the first 429, so the worker sees it (the default waits it out).
    const workers = [0, 1].map(() =>
      startWorker("rate-limit", { concurrency: 1, client: { baseUrl: proxyUrl, apiKey: emulator?.apiKey, maxRetries: 0 } }),
    );
    /** For each finished file: the worker that finished it, and the pause left then (ms). */
    const finished: { worker: number; pausedForMs: number }[] = [];
    for (const [index, worker] of workers.entries()) {
      worker.worker.on("completed", () => {
        void pausedForMs().then((ttl) => finished.push({ worker: index, pausedForMs: ttl }));
      });
    }
    const dir = await mkdtemp(join(tmpdir(), "sotaocr-queue-429-"));
    closers.push(() => rm(dir, { recursive: true, force: true }));
    const files: string[] = [];
    for (let i = 0; i < 6; i++) {
      const path = join(dir, `file-${i}.pdf`);
      await writeFile(path, makePdf([`rate limited ${i}`]));
      files.push(path);
    }
    // One try each: a 429 that counted as a failed try would fail its file.
    await queue.add(files, { attempts: 1 });
    const items = await collect(queue);

    expect(items.filter((item) => item.error).map((item) => item.error?.message)).toEqual([]);
    expect(items.length).toBe(6);
    expect(answered429).toBe(1);
    // Uploads 1 and 2 were in flight before the pause; none of the others started while it lasted.
    expect(uploads.length).toBe(7); // 6 files, one of them twice (its first upload answered 429)
    expect(uploads.slice(2).filter((upload) => upload.pausedForMs > 0)).toEqual([]);
    // …although a worker was free during the pause: it finished its file while the queue was paused.
    expect(finished.some((file) => file.pausedForMs > 0)).toBe(true);
    // One SotaOCR job per file: the 429'd upload made none.
    expect(Object.values(emulator.log.uploadCountBySha256()).sort()).toEqual([1, 1, 1, 1, 1, 1]);
    expect(await queue.status()).toMatchObject({ completed: 6, failed: 0 });
  });
});
