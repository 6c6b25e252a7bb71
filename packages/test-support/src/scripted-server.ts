import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";

/**
 * A local HTTP server that answers each route from a script, in order, and records what it
 * received. For exact sequences the emulator does not produce on demand: pending → running →
 * completed, 429s with either Retry-After form, 5xx, resets before or after the request body.
 */

/** One scripted answer. */
export type Reply =
  | {
      status?: number;
      json?: unknown;
      body?: string | Buffer;
      headers?: Record<string, string>;
      /** Wait this long before answering. */
      delayMs?: number;
      /**
       * A body sent chunk by chunk as the client reads it (instead of `json`/`body`); sending stops
       * when the client goes away. Chunked unless `headers` give a content-length.
       */
      stream?: () => Iterable<Buffer> | AsyncIterable<Buffer>;
    }
  /** Destroy the connection while the request body is still arriving: nothing was processed. */
  | "reset-before-body"
  /** Read the whole request body, then destroy the connection without answering (ambiguous). */
  | "reset-after-body"
  /** Never answer (until the server closes). */
  | "hang"
  | ((request: RecordedRequest) => Reply | Promise<Reply>);

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** performance.now() when the request's headers arrived. */
  at: number;
  /** Bodies up to 4 MiB are kept; larger ones are counted and dropped. */
  body: Buffer;
  bodyBytes: number;
  /** Which route ("GET /v1/jobs/job_1") answered, if any. */
  route: string | undefined;
}

export interface ScriptedServer {
  url: string;
  /** Everything received, in order. */
  requests: RecordedRequest[];
  /** Scripts a route ("GET /v1/jobs/job_1", query ignored). Replies are used in order; the last repeats. */
  on(route: string, ...replies: Reply[]): ScriptedServer;
  /** Requests to one route. */
  requestsTo(route: string): RecordedRequest[];
  close(): Promise<void>;
}

const KEEP_BODY_BYTES = 4 * 1024 * 1024;

export async function startScriptedServer(): Promise<ScriptedServer> {
  const scripts = new Map<string, Reply[]>();
  const requests: RecordedRequest[] = [];
  const hanging = new Set<ServerResponse>();

  const server = createServer(async (req, res) => {
    const at = performance.now();
    const url = new URL(req.url ?? "/", "http://localhost");
    const route = `${req.method} ${url.pathname}`;
    const replies = scripts.get(route);
    const record: RecordedRequest = {
      method: req.method ?? "",
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      at,
      body: Buffer.alloc(0),
      bodyBytes: 0,
      route: replies ? route : undefined,
    };
    requests.push(record);
    let reply: Reply = replies ? (replies.length > 1 ? (replies.shift() as Reply) : (replies[0] as Reply)) : notScripted(route);
    if (reply === "reset-before-body") {
      req.socket.destroy();
      return;
    }
    // A client that goes away mid-body (an abort) gets no answer; reading must not reject unhandled.
    const bodyArrived = await readBody(req, record).then(
      () => true,
      () => false,
    );
    if (!bodyArrived) return;
    while (typeof reply === "function") reply = await reply(record);
    if (reply === "reset-before-body" || reply === "reset-after-body") {
      req.socket.destroy();
      return;
    }
    if (reply === "hang") {
      hanging.add(res);
      return;
    }
    if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
    answer(res, reply);
  });
  // Keep-alive connections would keep close() waiting.
  server.keepAliveTimeout = 1000;

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  const scripted: ScriptedServer = {
    url: `http://127.0.0.1:${port}`,
    requests,
    on(route, ...replies) {
      scripts.set(route, replies);
      return scripted;
    },
    requestsTo: (route) => requests.filter((request) => `${request.method} ${request.path}` === route),
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return scripted;
}

function notScripted(route: string): Reply {
  return { status: 404, json: { error: { code: "not_scripted", message: `no script for ${route}` } } };
}

async function readBody(req: IncomingMessage, record: RecordedRequest): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    record.bodyBytes += chunk.byteLength;
    if (record.bodyBytes <= KEEP_BODY_BYTES) chunks.push(chunk);
  }
  if (record.bodyBytes <= KEEP_BODY_BYTES) record.body = Buffer.concat(chunks);
}

function answer(res: ServerResponse, reply: Exclude<Reply, string | ((request: RecordedRequest) => unknown)>): void {
  if (reply.stream) {
    res.writeHead(reply.status ?? 200, reply.headers);
    void streamBody(res, reply.stream()).catch(() => res.destroy());
    return;
  }
  const body = reply.json !== undefined ? JSON.stringify(reply.json) : (reply.body ?? "");
  const headers: Record<string, string> = { ...(reply.json !== undefined ? { "content-type": "application/json" } : {}), ...reply.headers };
  res.writeHead(reply.status ?? 200, headers);
  res.end(body);
}

/** The multipart fields of a recorded upload (files as `File`s). */
export async function formOf(request: RecordedRequest): Promise<FormData> {
  return new Response(request.body, { headers: { "content-type": String(request.headers["content-type"]) } }).formData();
}

/** A job body as the API sends it. */
export function job(id: string, status: string, pageCount = 0, pagesCompleted = 0, extra: Record<string, unknown> = {}) {
  return { json: { id, status, page_count: pageCount, pages_completed: pagesCompleted, created_at: "2026-11-29T00:00:00Z", ...extra } };
}

/**
 * Answers uploads with a pending job named by the uploaded file (its name without ".pdf") and
 * records when each arrived (`performance.now()`), for tests that time a job from its upload.
 */
export function answerUploadsByFileName(server: ScriptedServer, uploadedAt: Map<string, number>): void {
  server.on("POST /v1/extract", (request) => {
    const id = /filename="([^"]+)\.pdf"/.exec(request.body.toString("latin1"))?.[1] ?? "job_unknown";
    uploadedAt.set(id, performance.now());
    return job(id, "pending");
  });
}

async function streamBody(res: ServerResponse, chunks: Iterable<Buffer> | AsyncIterable<Buffer>): Promise<void> {
  for await (const chunk of chunks) {
    if (res.destroyed) return;
    if (!res.write(chunk)) await drainedOrClosed(res);
  }
  res.end();
}

/** Resolves when a response that refused a write can take more, or is closed. */
export function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}
