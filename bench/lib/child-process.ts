import { type ChildProcess, execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import { ROOT } from "./paths.js";

const run = promisify(execFile);

/**
 * Runs an ES module given as source in a plain `node` child (no tsx: its loader alone adds ~50 MB
 * of RSS) and returns the last line it printed, parsed as JSON.
 */
export async function runModule<T>(source: string, args: string[] = [], timeoutMs = 300_000): Promise<T> {
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", source, "--", ...args], {
    cwd: ROOT,
    timeout: timeoutMs,
    maxBuffer: 1024 * 1024,
  });
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "null") as T;
}

/** A long-running module child that prints one JSON line when ready, and one more when sent SIGTERM. */
export interface ServiceChild<Ready, Final> {
  ready: Ready;
  /** Stops the child and returns what it printed on the way out. */
  stop(): Promise<Final>;
}

export async function startModule<Ready, Final>(source: string): Promise<ServiceChild<Ready, Final>> {
  const child: ChildProcess = spawn(process.execPath, ["--input-type=module", "-e", source], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const iterator = lines[Symbol.asyncIterator]();
  const next = async () => {
    const line = await iterator.next();
    if (line.done) throw new Error("The child process exited before printing its answer.");
    return JSON.parse(line.value) as unknown;
  };
  const ready = (await next()) as Ready;
  return {
    ready,
    async stop() {
      const final = next();
      child.kill("SIGTERM");
      const value = (await final) as Final;
      if (child.exitCode === null) await once(child, "exit");
      return value;
    },
  };
}
