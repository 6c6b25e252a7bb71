import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A local HTTP proxy in front of the emulator that spoils chosen exchanges, so the emulator stays
 * the server of record (jobs, idempotency keys, polls) while a test picks exactly which answers
 * the client never gets.
 */

/** What the proxy does with one request. */
export type ProxyAction =
  /** Pass it on and relay the answer. */
  | "forward"
  /** Pass it on (the server acts on it), then drop the client's connection unanswered. */
  | "forward-then-drop"
  /** Pass it on (the server acts on it), then answer the client this status instead. */
  | { forwardThenStatus: number }
  /** Answer this status without passing it on (the server never sees it: an outage). */
  | { status: number };

export interface FaultProxy {
  url: string;
  /** Decides per request. */
  decide: (request: { method: string; path: string }) => ProxyAction;
  close(): Promise<void>;
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const proxy: FaultProxy = { url: "", decide: () => "forward", close: async () => {} };
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const body = await readAll(req);
    const action = proxy.decide({ method: req.method ?? "GET", path: url.pathname });
    if (typeof action === "object" && "status" in action) {
      answer(res, action.status, { error: { code: "unavailable", message: "injected by the fault proxy" } });
      return;
    }
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === "string" && !["host", "connection", "content-length", "transfer-encoding"].includes(name)) {
        headers.set(name, value);
      }
    }
    const upstream = await fetch(new URL(req.url ?? "/", target), {
      method: req.method,
      headers,
      body: req.method === "GET" || req.method === "HEAD" ? undefined : body,
    });
    const upstreamBody = Buffer.from(await upstream.arrayBuffer());
    if (action === "forward-then-drop") {
      req.socket.destroy();
      return;
    }
    if (typeof action === "object") {
      answer(res, action.forwardThenStatus, { error: { code: "server_error", message: "injected by the fault proxy" } });
      return;
    }
    const relayed: Record<string, string> = {};
    for (const name of ["content-type", "retry-after"]) {
      const value = upstream.headers.get(name);
      if (value !== null) relayed[name] = value;
    }
    res.writeHead(upstream.status, relayed);
    res.end(upstreamBody);
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function answer(res: ServerResponse, status: number, json: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(json));
}
