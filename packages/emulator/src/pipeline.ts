import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { getBalance, getInfo } from "./account-routes.js";
import { type Account, authenticate, checkRequestRate } from "./accounts.js";
import { checkDeclaredLength, extract } from "./extract-route.js";
import { ApiError, closeInStages, drain, LINGER_MS, retryAfterValue, sendBytes, sendError, sendJson } from "./http.js";
import { getJob, getPreview, getResult } from "./job-routes.js";
import { isJobId } from "./jobs.js";
import type { ResolvedOptions, RouteName } from "./options.js";
import { delayUnlessAborted, type Reply, type RequestContext, type ServerState } from "./request-context.js";
import type { RequestLog, RequestLogEntry } from "./request-log.js";
import { matchRoute } from "./routes.js";

/** What the pipeline needs besides the route handlers' state. */
export interface PipelineState extends ServerState {
  readonly log: RequestLog;
  readonly accounts: ReadonlyMap<string, Account>;
}

/**
 * Handles one request: logs it, routes it, authenticates it, applies the key's rate limit and any
 * injected fault, runs the route's handler and sends its answer (or its `ApiError` as JSON).
 */
export async function handleRequest(state: PipelineState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const arrival = performance.now();
  res.setHeader("x-request-id", `req_${randomBytes(8).toString("hex")}`);
  let url: URL;
  try {
    url = new URL(req.url ?? "/", "http://emulator.invalid");
  } catch {
    url = new URL("http://emulator.invalid/");
  }
  const match = matchRoute(req.method ?? "GET", url.pathname);
  const idempotencyHeader = req.headers["idempotency-key"];
  const entry = state.log.add({
    time: arrival,
    method: req.method ?? "",
    path: url.pathname,
    query: url.search.slice(1),
    route: "route" in match ? match.route : undefined,
    status: undefined,
    durationMs: undefined,
    jobId: "route" in match && match.jobId !== undefined && isJobId(match.jobId) ? match.jobId : undefined,
    keyIndex: undefined,
    idempotencyKey: typeof idempotencyHeader === "string" ? idempotencyHeader : undefined,
    fault: undefined,
    poll: "route" in match && match.route === "job",
  });
  entries.set(res, entry);
  res.once("close", () => finish(state, entry));
  const isUpload = "route" in match && match.route === "extract";
  if (!isUpload) {
    // Other routes ignore any body: answer, then close rather than read a body of any size.
    if (hasBody(req)) {
      res.setHeader("connection", "close");
      closeInStages(req.socket);
    }
    req.resume();
  }

  if (!("route" in match)) {
    const error =
      match.allow !== undefined
        ? new ApiError(405, "method_not_allowed", `${req.method} is not allowed on ${url.pathname}; use ${match.allow}.`, {
            allow: match.allow,
          })
        : new ApiError(404, "not_found", `No route ${req.method} ${url.pathname}. See GET /api/v1/info and the API docs.`);
    await sendApiError(state, req, res, entry, error);
    return;
  }

  try {
    const account = authenticate(state.accounts, req);
    entry.keyIndex = account.index;
    checkRequestRate(account, state.config.requestsPerSecond, arrival);
    if (isUpload) checkDeclaredLength(req, state.config.maxUploadBytes);
    const fault = state.faults.forRequest(match.route);
    if (fault) entry.fault = fault.kind;
    const context: RequestContext = {
      req,
      res,
      entry,
      account,
      fault,
      arrival,
      jobId: match.jobId,
      page: match.page,
      query: url.searchParams,
    };
    if (fault?.kind === "reset") {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === "server_error") throw serverError(fault.status);
    if (fault?.kind === "rate_limit") {
      throw new ApiError(
        429,
        "rate_limited",
        "Too many requests (a fault injected by the emulator). Retry after the delay given.",
        {},
        1000,
      );
    }
    const reply = await route(state, match.route, context);
    if (reply === undefined) return;
    if (fault?.kind === "slow") await delayUnlessAborted(fault.delayMs, state.closing);
    if ("json" in reply) sendJson(res, reply.status, reply.json, reply.headers);
    else sendBytes(res, reply.status, reply.contentType, reply.bytes);
    answered(entry, res, reply.status);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (entry.fault === "slow") await delayUnlessAborted(state.config.faults.slowMs, state.closing);
    await sendApiError(state, req, res, entry, error);
  }
}

/** True when the request declares a body (chunked, or a non-zero Content-Length). */
function hasBody(req: IncomingMessage): boolean {
  return req.headers["transfer-encoding"] !== undefined || Number(req.headers["content-length"] ?? 0) > 0;
}

function route(state: ServerState, name: RouteName, context: RequestContext): Promise<Reply> | Reply {
  switch (name) {
    case "extract":
      return extract(state, context);
    case "job":
      return getJob(state, context);
    case "result":
      return getResult(state, context);
    case "preview":
      return getPreview(state, context);
    case "balance":
      return getBalance(state, context);
    case "info":
      return getInfo(state);
  }
}

/** Sends an error; for an upload whose body is still arriving, reads a bounded rest first or closes the connection. */
async function sendApiError(
  state: ServerState,
  req: IncomingMessage,
  res: ServerResponse,
  entry: RequestLogEntry,
  error: ApiError,
): Promise<void> {
  if (res.headersSent || res.destroyed) return;
  const headers: Record<string, string> = { ...error.headers };
  if (error.retryAfterMs !== undefined) headers["retry-after"] = retryAfterValue(error.retryAfterMs, state.faults.nextRetryAfterForm());
  const closing = headers.connection === "close" || res.getHeader("connection") === "close";
  if (!req.complete && !closing) {
    const drained = await drain(req);
    if (!drained) headers.connection = "close";
  }
  if (res.destroyed) return;
  if (!req.complete) closeInStages(req.socket);
  sendError(res, new ApiError(error.status, error.code, error.message, headers));
  answered(entry, res, error.status);
}

/** The log entry of each response still in the pipeline, for answers sent from outside it (see answerClientError). */
const entries = new WeakMap<ServerResponse, RequestLogEntry>();

/**
 * Answers a request Node's HTTP layer gave up on with a JSON error, then closes the connection:
 * one its parser refused (a malformed request line or header, headers too large), or one that did
 * not arrive within `headersTimeoutMs`/`requestTimeoutMs`. A request already in the pipeline (its
 * body was still arriving) is answered through its response, so the log records the status; others
 * are not logged: they have no method or path to log.
 */
export function answerClientError(
  config: Pick<ResolvedOptions, "headersTimeoutMs" | "requestTimeoutMs">,
  error: NodeJS.ErrnoException,
  socket: Duplex,
): void {
  const pending = (socket as Duplex & { _httpMessage?: ServerResponse })._httpMessage;
  const timedOut = error.code === "ERR_HTTP_REQUEST_TIMEOUT" || error.code === "ERR_HTTP_HEADERS_TIMEOUT";
  // A body the client cut off (it aborted: its side of the connection ended mid-body) gets no
  // answer: nobody is there to read it, and the log keeps the request unanswered.
  const cutOff = error.code === "HPE_INVALID_EOF_STATE";
  if (error.code === "ECONNRESET" || cutOff || !socket.writable || pending?.headersSent) {
    socket.destroy();
    return;
  }
  const [status, code, message] =
    error.code === "HPE_HEADER_OVERFLOW"
      ? [431, "headers_too_large", "The request line and headers are too large (16 KiB at most)."]
      : timedOut
        ? [
            408,
            "request_timeout",
            `The request did not arrive in time (headers within ${config.headersTimeoutMs} ms, all of it within ${config.requestTimeoutMs} ms): ` +
              "send it without pauses, or raise the emulator's requestTimeoutMs (--request-timeout-ms).",
          ]
        : [400, "bad_request", "The request is not valid HTTP/1.1."];
  if (pending) {
    closeInStages(socket as Socket);
    sendError(pending, new ApiError(status, code, message, { connection: "close" }));
    const entry = entries.get(pending);
    if (entry) answered(entry, pending, status);
    // Its handler may still wait for the body; Node ends that wait for unanswered requests only.
    socket.once("close", () => pending.req.destroy());
    return;
  }
  const body = JSON.stringify({ error: { code, message } });
  const reason = status === 431 ? "Request Header Fields Too Large" : status === 408 ? "Request Timeout" : "Bad Request";
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
  // Closed for good a moment later, whether or not the client closes its side (see closeInStages).
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once("close", () => clearTimeout(timer));
}

/**
 * Records the status in the log as the answer is handed to the connection (before the client can
 * have it, so a test that got its answer finds the entry complete).
 */
function answered(entry: RequestLogEntry, res: ServerResponse, status: number): void {
  if (res.destroyed) return; // the client left before the answer
  entry.status = status;
  entry.durationMs = performance.now() - entry.time;
}

/** Logs the request once its connection is done with it; an answer never sent leaves status undefined. */
function finish(state: ServerState, entry: RequestLogEntry): void {
  entry.durationMs ??= performance.now() - entry.time;
  const log = state.config.log;
  if (!log) return;
  const status = entry.status === undefined ? "dropped" : String(entry.status);
  const parts = [entry.method, entry.path + (entry.query ? `?${entry.query}` : ""), status, `${entry.durationMs.toFixed(1)}ms`];
  if (entry.jobId) parts.push(entry.jobId);
  if (entry.fault) parts.push(`fault=${entry.fault}`);
  log(parts.join(" "));
}

function serverError(status: 500 | 502 | 503): ApiError {
  if (status === 503) {
    return new ApiError(503, "service_unavailable", "The service is briefly unavailable (a fault injected by the emulator).", {}, 1000);
  }
  if (status === 502) return new ApiError(502, "bad_gateway", "Bad gateway (a fault injected by the emulator).");
  return new ApiError(500, "internal_error", "Internal error (a fault injected by the emulator).");
}
