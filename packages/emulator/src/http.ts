import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";

/** An error answer: `{"error":{"code","message"}}` with `status`. Thrown by handlers, sent by the server. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
    /** For 429 and 503: how long the client should wait, sent as `Retry-After`. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** Sends a JSON body. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

/** Sends `{"error":{"code","message"}}`. */
export function sendError(res: ServerResponse, error: ApiError): void {
  sendJson(res, error.status, { error: { code: error.code, message: error.message } }, error.headers);
}

/** Sends bytes with a content type. */
export function sendBytes(res: ServerResponse, status: number, contentType: string, bytes: Uint8Array): void {
  res.writeHead(status, { "content-type": contentType, "content-length": bytes.byteLength });
  res.end(bytes);
}

/**
 * `Retry-After` for a wait of `ms`: whole seconds rounded up (at least 1), or an HTTP date no
 * earlier than the end of the wait (dates have 1 s resolution, so it is rounded up too).
 */
export function retryAfterValue(ms: number, form: "seconds" | "date", now: number = Date.now()): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  if (form === "seconds") return String(seconds);
  return new Date(Math.ceil((now + Math.max(ms, 1000)) / 1000) * 1000).toUTCString();
}

/**
 * Reads and discards the rest of a request body, up to `limit` bytes; resolves true when the body
 * ended, false when the limit was hit or the connection failed (the caller should then close it).
 */
export function drain(req: IncomingMessage, limit: number = 16 * 1024 * 1024): Promise<boolean> {
  if (req.readableEnded || req.complete) return Promise.resolve(true);
  return new Promise((resolve) => {
    let seen = 0;
    const done = (ended: boolean) => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("close", onClose);
      if (!ended) req.pause();
      resolve(ended);
    };
    const onData = (chunk: Buffer) => {
      seen += chunk.byteLength;
      if (seen > limit) done(false);
    };
    const onEnd = () => done(true);
    const onError = () => done(false);
    const onClose = () => done(req.complete);
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("close", onClose);
    req.resume();
  });
}

/** `2026-03-24T12:00:00Z`, as the API docs show timestamps (no milliseconds). */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** How long a connection closed with its request body unread stays open after the answer, in ms. */
export const LINGER_MS = 1000;

/**
 * Makes the close that follows an answer with `Connection: close` a staged one (RFC 9112 §9.6):
 * the answer, then our FIN, then a pause before the socket is destroyed. Node destroys it at once,
 * and with the client's request body still arriving unread the kernel then answers with a reset,
 * which can reach a client still sending before it has read the answer: it would see "connection
 * reset" instead of, say, the 413. While it lingers the socket is not read, so neither memory nor
 * the bytes taken from the client grow: unread data waits in the kernel's buffers.
 */
export function closeInStages(socket: Socket, lingerMs: number = LINGER_MS): void {
  (socket as Socket & { destroySoon: () => void }).destroySoon = () => {
    if (socket.writable) socket.end();
    if (socket.destroyed) return;
    // Stop reading: after Node's own resume of an unread request body, which comes on the next tick.
    setImmediate(() => socket.pause());
    const timer = setTimeout(() => socket.destroy(), lingerMs);
    timer.unref();
    socket.once("close", () => clearTimeout(timer));
  };
}
