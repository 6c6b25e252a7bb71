import { type ChildProcess, spawn } from "node:child_process";
import { BIN, DATA } from "./run-cli.js";

/** A running `sotaocr inspect` (serving), started from the built CLI. */
export interface RunningInspector {
  url: string;
  child: ChildProcess;
  stderr: () => string;
  /** Sends SIGINT (Ctrl-C) and resolves to the exit code. */
  stop(): Promise<number | null>;
}

/** Starts the built `sotaocr inspect …` and resolves once it prints its URL (rejects if it exits first). */
export function startInspector(args: string[], env: Record<string, string>): Promise<RunningInspector> {
  const child = spawn(process.execPath, [BIN, "inspect", ...args], { cwd: DATA, env: { PATH: process.env.PATH, ...env } });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      const url = /^(http:\/\/127\.0\.0\.1:\d+\/)\n/m.exec(stdout)?.[1];
      if (url)
        resolve({
          url,
          child,
          stderr: () => stderr,
          stop: () => {
            child.kill("SIGINT");
            return exited;
          },
        });
    });
    exited.then((code) => reject(new Error(`sotaocr inspect exited (${code}) before serving: ${stderr}`)));
  });
}
