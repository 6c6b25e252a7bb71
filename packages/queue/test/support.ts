import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { makePdf } from "@sotaocr/test-support";
import type { OcrWorkerOptions } from "../src/index.js";

const WORKER = new URL("./worker-process.mjs", import.meta.url).pathname;

/** A worker process and the lines it printed. */
export interface WorkerProcess {
  child: ChildProcess;
  lines: string[];
  /** Resolves when a printed line matches. */
  waitFor(match: (line: string) => boolean): Promise<string>;
  exited: Promise<number | null>;
}

export function startWorkerProcess(options: OcrWorkerOptions): WorkerProcess {
  const child = spawn(process.execPath, [WORKER], {
    env: { ...process.env, WORKER_OPTIONS: JSON.stringify(options) },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines: string[] = [];
  const waiters: { match: (line: string) => boolean; resolve: (line: string) => void }[] = [];
  let buffer = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    buffer += chunk.toString();
    const parts = buffer.split("\n");
    buffer = parts.pop() ?? "";
    for (const line of parts) {
      lines.push(line);
      for (const waiter of [...waiters]) {
        if (waiter.match(line)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    child,
    lines,
    exited,
    waitFor: (match) => {
      const found = lines.find(match);
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolve) => waiters.push({ match, resolve }));
    },
  };
}

/** `count` distinct small PDFs (1–2 pages) in `dir`; their paths. */
export async function writePdfs(dir: string, count: number, prefix = "file"): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const paths: string[] = [];
  for (let i = 0; i < count; i++) {
    const path = join(dir, `${prefix}-${String(i).padStart(3, "0")}.pdf`);
    await writeFile(path, makePdf(Array.from({ length: 1 + (i % 2) }, (_, page) => `${prefix} ${i}, page ${page + 1}`)));
    paths.push(path);
  }
  return paths;
}

/** Fails the test run with what to do when Debian's redis-server is missing. */
export function requireRedisServer(has: boolean): void {
  if (!has) throw new Error("These tests start their own Redis: install it with `apt-get install -y redis-server` (.ci/run does).");
}
