import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * An HTTP proxy in front of a real server (the emulator) that holds a large upload part-way: once
 * `holdAfterBytes` of a `POST /v1/extract` body arrived, it stops reading it (the client's writes
 * back up) until the test lets it go. A test can then change a file while its upload is certainly
 * in flight, without guessing at timings. Everything else passes through untouched.
 */
export interface HoldingProxy {
  url: string;
  /** Uploads (`POST /v1/extract`) that reached the proxy, whole or cut off. */
  readonly uploadsStarted: number;
  /** Resolves once the next upload's body is held, with the function that lets it go on. */
  held(): Promise<() => void>;
  close(): Promise<void>;
}

export async function startHoldingProxy(target: string, options: { holdAfterBytes: number }): Promise<HoldingProxy> {
  const waiting: ((release: () => void) => void)[] = [];
  const holds: (() => void)[] = [];
  let uploadsStarted = 0;

  const server = createServer((req, res) => {
    const upstream = request(new URL(req.url ?? "/", target), { method: req.method, headers: req.headers });
    upstream.on("response", (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on("error", () => res.destroy());
    res.on("error", () => undefined);
    // A client that gives up mid-body (as a client must when its file changes) takes the upstream request with it.
    req.on("error", () => upstream.destroy());
    req.on("close", () => {
      if (!req.complete) upstream.destroy();
    });
    if (!(req.method === "POST" && req.url?.startsWith("/v1/extract"))) {
      req.pipe(upstream);
      return;
    }
    uploadsStarted++;
    let received = 0;
    let holding = false;
    req.on("data", (chunk: Buffer) => {
      upstream.write(chunk);
      received += chunk.byteLength;
      if (holding || received < options.holdAfterBytes) return;
      holding = true;
      req.pause();
      const release = () => req.resume();
      const waiter = waiting.shift();
      if (waiter) waiter(release);
      else holds.push(release);
    });
    req.on("end", () => upstream.end());
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    get uploadsStarted() {
      return uploadsStarted;
    },
    held: () => {
      const ready = holds.shift();
      return ready ? Promise.resolve(ready) : new Promise((resolve) => waiting.push(resolve));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
