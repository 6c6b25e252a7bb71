import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { drainedOrClosed } from "@sotaocr/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AbortError, DownloadError, downloadUrl, InvalidInputError } from "../src/index.js";

// URL inputs are downloaded with a size cap, a time limit and a bounded number of redirects,
// against a real local HTTP server that counts what it managed to send.

const KIB = 1024;
const MIB = 1024 * KIB;
/** What an oversized answer would send in all: far more than the socket buffers hold. */
const HUGE_BYTES = 64 * MIB;

type Handler = (req: IncomingMessage, res: ServerResponse) => unknown;
const routes = new Map<string, Handler>();
/** For each streamed path: the bytes its answer got out, once the connection closed or the body ended. */
const streamed = new Map<string, Promise<number>>();
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const handler = routes.get(req.url ?? "");
    if (handler) void handler(req, res);
    else res.writeHead(404).end("not here");
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

/** Writes `total` bytes in 64 KiB chunks as fast as the reader takes them, until done or the connection closes. */
function stream(path: string, res: ServerResponse, total: number): void {
  const chunk = Buffer.alloc(64 * KIB, 0x41);
  let closed = false;
  res.on("close", () => {
    closed = true;
  });
  const write = async () => {
    let written = 0;
    while (written < total && !closed) {
      const more = res.write(chunk);
      written += chunk.byteLength;
      if (!more) await drainedOrClosed(res);
    }
    if (!closed) res.end();
    return written;
  };
  streamed.set(path, write());
}

describe("downloadUrl", () => {
  it("returns the bytes and the file name of the URL's path, following a redirect", async () => {
    const body = Buffer.from("%PDF-1.7\nsmall\n%%EOF\n");
    routes.set("/files/scan%20one.pdf", (_req, res) => res.writeHead(302, { location: "/store/abc" }).end());
    routes.set("/store/abc", (_req, res) => res.writeHead(200, { "content-type": "application/pdf" }).end(body));
    const download = await downloadUrl(`${base}/files/scan%20one.pdf`);
    expect(Buffer.from(download.bytes).equals(body)).toBe(true);
    expect(download.filename).toBe("scan one.pdf");
    expect(download.url).toBe(`${base}/store/abc`);
  });

  it.each([
    ["with", true],
    ["without", false],
  ])("refuses a body over maxBytes %s a Content-Length, without reading it all", async (_, declared) => {
    const path = `/huge-${declared}.pdf`;
    routes.set(path, (_req, res) => {
      res.writeHead(200, declared ? { "content-length": String(HUGE_BYTES) } : {});
      return stream(path, res, HUGE_BYTES);
    });
    const error = await downloadUrl(`${base}${path}`, { maxBytes: MIB }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DownloadError);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ problem: "too_large", limitBytes: MIB, source: `${base}${path}` });
    expect((error as Error).message).toMatch(/over the 1 MiB limit \(maxBytes\)/);
    // The connection was closed early: the server got out only a fraction of the body.
    expect(await streamed.get(path)).toBeLessThan(HUGE_BYTES / 4);
  });

  it("ends a server that stalls mid-body with a timeout DownloadError", async () => {
    routes.set("/stalls.pdf", (_req, res) => {
      res.writeHead(200, { "content-length": String(MIB) });
      res.write(Buffer.alloc(64 * KIB)); // then nothing more, the connection held open
    });
    const error = await downloadUrl(`${base}/stalls.pdf`, { timeoutMs: 300 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DownloadError);
    expect(error).toMatchObject({ problem: "timeout" });
    expect((error as Error).message).toMatch(/did not finish within 300 ms \(timeoutMs\)/);
  });

  it.each([Infinity, 2 ** 31])("takes a timeoutMs of %s as no limit (Node would fire such a timer at once)", async (timeoutMs) => {
    routes.set("/late.pdf", (_req, res) => {
      res.writeHead(200);
      setTimeout(() => res.end("%PDF-1.7\n%%EOF\n"), 50);
    });
    const download = await downloadUrl(`${base}/late.pdf`, { timeoutMs });
    expect(Buffer.from(download.bytes).toString()).toBe("%PDF-1.7\n%%EOF\n");
  });

  it("follows at most maxRedirects redirects", async () => {
    let hops = 0;
    routes.set("/loop", (_req, res) => {
      hops++;
      res.writeHead(307, { location: "/loop" }).end();
    });
    const error = await downloadUrl(`${base}/loop`, { maxRedirects: 2 }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: "DownloadError", problem: "redirects" });
    expect((error as Error).message).toMatch(/more than 2 redirects \(maxRedirects\)/);
    expect(hops).toBe(3);
  });

  it("says which status a failed answer had", async () => {
    const error = await downloadUrl(`${base}/gone.pdf`).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: "DownloadError", problem: "status", status: 404, reason: "not_found" });
    expect((error as Error).message).toMatch(/^Cannot download .*gone\.pdf: it answered 404\./);
  });

  it("stops at the caller's signal with an AbortError", async () => {
    routes.set("/never", () => undefined); // never answers
    const controller = new AbortController();
    const download = downloadUrl(`${base}/never`, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(download).rejects.toBeInstanceOf(AbortError);
  });
});
