import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { connect } from "node:net";
import { fileURLToPath } from "node:url";
import type { EmulatorOptions } from "../src/index.js";
import type { ProcessUsage } from "./emulator-process.js";

const CHILD = fileURLToPath(new URL("./emulator-process.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

/** An emulator running in a child process. */
export interface EmulatorProcess {
  url: string;
  port: number;
  dataDir: string;
  child: ChildProcess;
  /** The child's memory now and at its peak. */
  usage(): Promise<ProcessUsage>;
  /** Closes the emulator and waits for the process to exit by itself. */
  close(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts an emulator (JSON-able options only) in a child process. */
export async function startEmulatorProcess(options: EmulatorOptions): Promise<EmulatorProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD, JSON.stringify(options)], {
    cwd: ROOT,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
  const [ready] = (await Promise.race([
    once(child, "message"),
    exited.then(([code]) => {
      throw new Error(`the emulator process exited (${code}) before listening`);
    }),
  ])) as [{ url: string; port: number; dataDir: string }];
  return {
    ...ready,
    child,
    async usage() {
      child.send("usage");
      for (;;) {
        const [message] = (await once(child, "message")) as [{ usage?: ProcessUsage }];
        if (message.usage) return message.usage;
      }
    },
    async close() {
      if (child.connected) child.send("close");
      const [code, signal] = await exited;
      return { code, signal };
    },
  };
}

/** What a raw connection got back. */
export interface RawExchange {
  /** Everything the server sent, latin1. */
  response: string;
  /** Body bytes written to the socket before it closed (or the answer was complete). */
  bytesSent: number;
  elapsedMs: number;
}

/**
 * Sends `head` (request line and headers), then the chunks of `body` as fast as the connection
 * takes them, until the body ends, the server's answer is complete, or the connection closes. The
 * body is generated lazily: a 2 GB body never exists in memory. With `chunked`, each chunk is
 * framed for `Transfer-Encoding: chunked` (the head must say so).
 */
export function streamRequest(
  port: number,
  head: string,
  body: Iterable<Uint8Array> = [],
  options: { chunked?: boolean; timeoutMs?: number } = {},
): Promise<RawExchange> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = connect(port, "127.0.0.1");
    const chunks = body[Symbol.iterator]();
    let response = "";
    let bytesSent = 0;
    let done = false;
    const timer = setTimeout(
      () => finish(new Error(`no complete answer within ${options.timeoutMs ?? 20_000} ms`)),
      options.timeoutMs ?? 20_000,
    );
    const finish = (error?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve({ response, bytesSent, elapsedMs: performance.now() - started });
    };
    const frame = (chunk: Uint8Array): Uint8Array =>
      options.chunked ? Buffer.concat([Buffer.from(`${chunk.byteLength.toString(16)}\r\n`), chunk, Buffer.from("\r\n")]) : chunk;
    const pump = () => {
      while (!done) {
        const next = chunks.next();
        if (next.done) {
          if (options.chunked) socket.write("0\r\n\r\n");
          return;
        }
        bytesSent += next.value.byteLength;
        if (!socket.write(frame(next.value))) {
          socket.once("drain", pump);
          return;
        }
      }
    };
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => {
      response += chunk;
      if (isComplete(response)) finish();
    });
    // A reset while we still send (the server closed after answering) is how a refused body ends.
    socket.on("error", () => finish());
    socket.on("close", () => finish());
    socket.write(head, () => pump());
  });
}

/** True once `response` holds a whole HTTP answer with a Content-Length. */
function isComplete(response: string): boolean {
  const headerEnd = response.indexOf("\r\n\r\n");
  const length = /\r\ncontent-length: (\d+)/i.exec(response);
  return headerEnd >= 0 && length !== null && response.length >= headerEnd + 4 + Number(length[1]);
}

/** `total` bytes in chunks of `chunkBytes`, all views of one buffer: constant memory. */
export function* zeros(total: number, chunkBytes = 256 * 1024, prefix?: Uint8Array): Generator<Uint8Array> {
  if (prefix) yield prefix;
  const chunk = new Uint8Array(chunkBytes).fill(0x20);
  for (let sent = 0; sent < total; sent += chunkBytes) yield chunk.subarray(0, Math.min(chunkBytes, total - sent));
}

/** The status code and JSON error code of a raw answer. */
export function statusOf(response: string): { status: number | undefined; code: string | undefined; headers: string } {
  const status = /^HTTP\/1\.1 (\d{3}) /.exec(response)?.[1];
  const headerEnd = response.indexOf("\r\n\r\n");
  const code = /"code":"([a-z_]+)"/.exec(response.slice(headerEnd))?.[1];
  return {
    status: status === undefined ? undefined : Number(status),
    code,
    headers: response.slice(0, Math.max(0, headerEnd)).toLowerCase(),
  };
}
