import { execFile } from "node:child_process";

/** The built CLI: tests run what users run. */
export const BIN = new URL("../dist/bin.js", import.meta.url).pathname;
/** The sample documents (report.pdf, page.png, …). */
export const DATA = new URL("../../../examples/data/", import.meta.url).pathname;

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Working folder; default: the sample documents. */
  cwd?: string;
  /** The whole environment besides PATH: nothing leaks in from the test runner's. */
  env?: Record<string, string>;
}

/** Runs the built `sotaocr`, stdin closed, stdout and stderr not terminals. */
export function runCli(args: string[], { cwd = DATA, env = {} }: RunOptions = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [BIN, ...args], { cwd, env: { PATH: process.env.PATH, ...env } }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }),
    );
    child.stdin?.end();
  });
}

/**
 * Runs the built `sotaocr` on a pseudo-terminal (util-linux `script`): what the terminal showed,
 * stdout and stderr together. `columns` sizes the terminal (else it has no size, which programs
 * take as 80 columns).
 */
export async function runOnTerminal(
  args: string[],
  { cwd = DATA, env = {}, columns }: RunOptions & { columns?: number } = {},
): Promise<string> {
  const quote = (word: string) => `'${word.replace(/'/g, "'\\''")}'`;
  const command = [process.execPath, BIN, ...args].map(quote).join(" ");
  return new Promise<string>((resolve) => {
    execFile(
      "script",
      ["-qec", columns === undefined ? command : `stty cols ${columns} rows 50 && ${command}`, "/dev/null"],
      { cwd, env: { PATH: process.env.PATH, TERM: "xterm", ...env } },
      (_error, stdout) => resolve(stdout),
    );
  });
}
