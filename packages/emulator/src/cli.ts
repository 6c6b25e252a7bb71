import { parseArgs } from "node:util";
import { OCR_MODELS } from "./engines/local/ocr-model.js";
import { DEFAULT_API_KEY, type EmulatorOptions, RESULT_SHAPES, type ResultShape } from "./options.js";
import { type Emulator, startEmulator } from "./server.js";
import { VERSION } from "./version.js";

/** The bin's default port. */
export const DEFAULT_PORT = 8787;

/** The help text; `name` is how the user ran it (`sotaocr-emulator`, or `sotaocr emulator`). */
export const usage = (name = "sotaocr-emulator") => `Usage: ${name} [options]

A local SotaOCR-compatible server for offline development and CI.

Options:
  --port N                     port to listen on (default ${DEFAULT_PORT}; 0 picks a free one)
  --host HOST                  interface to listen on, not empty (default 127.0.0.1; 0.0.0.0: every interface)
  --api-key KEY                accepted API key; repeat for several (default ${DEFAULT_API_KEY})
  --data-dir DIR               where uploads are stored (default a temporary directory)
  --engine local|synthetic     local: real OCR, offline; synthetic: deterministic text (default local)
  --ms-per-page N              synthetic engine: time per page in ms (default 50)
  --max-page-megapixels N      local engine: largest PDF page render; larger pages fail page_too_large (default 40)
  --ocr-model fast|best        local engine: tesseract's English model; best is ~1.4× slower (default fast)
  --result-shape SHAPE         ${RESULT_SHAPES.join(" | ")} (default canonical)
  --page-numbering MODE        original | relative (default original)
  --max-upload-mb N            largest upload in MiB (default 256)
  --request-timeout-ms N       longest time a request may take to arrive, body included (default 120000); headers: 10 s at most
  --max-connections N          connections open at once; more are closed at once (default 1000)
  --poll-interval-ms N         least time between polls of one job (default 1000)
  --job-concurrency N          jobs processed at once (default: the number of CPUs)
  --fault-seed N               seed of the fault generator
  --fault-server-error P       probability of a 500/502/503 per request
  --fault-rate-limit P         probability of a spurious 429 per request
  --fault-reset P              probability of a dropped connection per request
  --fault-slow P               probability of a delayed answer per request
  --fault-slow-ms N            delay of a slow answer in ms (default 2000)
  --fault-ambiguous-upload P   probability that an upload creates its job, then drops the connection
  --fault-fail-job P           probability that a job fails with ocr_failed
  --fault-retry-after FORM     seconds | date | both: Retry-After form on 429/503 (default seconds)
  --quiet                      no line per request
  -h, --help                   show this help
  -v, --version                show the version
`;

/** A bad command line: the bin prints it with the usage and exits with status 2. */
export class UsageError extends Error {}

export type CliCommand = { kind: "help" } | { kind: "version" } | { kind: "run"; options: EmulatorOptions; quiet: boolean };

/** Reads the command line into emulator options; throws `UsageError` on bad flags. */
export function parseCommandLine(argv: string[]): CliCommand {
  let values: Record<string, string | string[] | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: "string" },
        host: { type: "string" },
        "api-key": { type: "string", multiple: true },
        "data-dir": { type: "string" },
        engine: { type: "string" },
        "ms-per-page": { type: "string" },
        "max-page-megapixels": { type: "string" },
        "ocr-model": { type: "string" },
        "result-shape": { type: "string" },
        "page-numbering": { type: "string" },
        "max-upload-mb": { type: "string" },
        "request-timeout-ms": { type: "string" },
        "max-connections": { type: "string" },
        "poll-interval-ms": { type: "string" },
        "job-concurrency": { type: "string" },
        "fault-seed": { type: "string" },
        "fault-server-error": { type: "string" },
        "fault-rate-limit": { type: "string" },
        "fault-reset": { type: "string" },
        "fault-slow": { type: "string" },
        "fault-slow-ms": { type: "string" },
        "fault-ambiguous-upload": { type: "string" },
        "fault-fail-job": { type: "string" },
        "fault-retry-after": { type: "string" },
        quiet: { type: "boolean" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean", short: "v" },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return { kind: "help" };
  if (values.version) return { kind: "version" };
  const text = (name: string) => values[name] as string | undefined;
  const number = (name: string, check: (n: number) => boolean, what: string) => {
    const raw = text(name);
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (raw.trim() === "" || !Number.isFinite(value) || !check(value)) throw new UsageError(`--${name} must be ${what}, not "${raw}".`);
    return value;
  };
  const whole = (n: number) => Number.isInteger(n) && n >= 0;
  const probability = (name: string) => number(name, (n) => n >= 0 && n <= 1, "a probability from 0 to 1");
  const oneOf = <T extends string>(name: string, allowed: readonly T[]) => {
    const raw = text(name);
    if (raw !== undefined && !allowed.includes(raw as T))
      throw new UsageError(`--${name} must be one of ${allowed.join(", ")}, not "${raw}".`);
    return raw as T | undefined;
  };

  const host = text("host");
  if (host !== undefined && host.trim() === "") {
    throw new UsageError(
      `--host must be a host name or IP address, such as 127.0.0.1 or 0.0.0.0 (every interface), not ${JSON.stringify(host)}.`,
    );
  }
  const port = number("port", (n) => whole(n) && n <= 65_535, "a port number (0–65535)") ?? DEFAULT_PORT;
  const engine = oneOf("engine", ["local", "synthetic"] as const);
  const msPerPage = number("ms-per-page", (n) => n >= 0, "a number of ms ≥ 0");
  const maxUploadMb = number("max-upload-mb", (n) => n > 0, "a number of MiB > 0");
  const maxPageMegapixels = number("max-page-megapixels", (n) => n * 1e6 >= 1, "a number of megapixels > 0");
  const faults: EmulatorOptions["faults"] = {
    seed: number("fault-seed", Number.isInteger, "a whole number"),
    serverError: probability("fault-server-error"),
    rateLimit: probability("fault-rate-limit"),
    reset: probability("fault-reset"),
    slow: probability("fault-slow"),
    slowMs: number("fault-slow-ms", (n) => n >= 0, "a number of ms ≥ 0"),
    ambiguousUpload: probability("fault-ambiguous-upload"),
    failJob: probability("fault-fail-job"),
    retryAfter: oneOf("fault-retry-after", ["seconds", "date", "both"] as const),
  };
  const options: EmulatorOptions = {
    port,
    host,
    apiKeys: values["api-key"] as string[] | undefined,
    dataDir: text("data-dir"),
    engine: engine ?? "local",
    synthetic: msPerPage === undefined ? undefined : { msPerPage },
    local: {
      maxPagePixels: maxPageMegapixels === undefined ? undefined : Math.floor(maxPageMegapixels * 1e6),
      ocrModel: oneOf("ocr-model", OCR_MODELS),
    },
    resultShape: oneOf<ResultShape>("result-shape", RESULT_SHAPES),
    pageNumbering: oneOf("page-numbering", ["original", "relative"] as const),
    maxUploadBytes: maxUploadMb === undefined ? undefined : Math.floor(maxUploadMb * 1024 * 1024),
    pollIntervalMs: number("poll-interval-ms", (n) => n >= 0, "a number of ms ≥ 0"),
    requestTimeoutMs: number("request-timeout-ms", (n) => whole(n) && n >= 1, "a whole number of ms ≥ 1"),
    maxConnections: number("max-connections", (n) => whole(n) && n >= 1, "a whole number ≥ 1"),
    jobConcurrency: number("job-concurrency", (n) => whole(n) && n >= 1, "a whole number ≥ 1"),
    faults,
  };
  return { kind: "run", options, quiet: values.quiet === true };
}

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

const defaultIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/**
 * The emulator's one command line, behind both the `sotaocr-emulator` bin and `sotaocr emulator`
 * (`name` says which, in messages). Starts the emulator, prints where it listens and how to point
 * the client at it, logs a line per request unless --quiet, and stops cleanly on SIGINT/SIGTERM.
 * Resolves to the exit status: 0 after a clean stop, 1 when the server cannot start, 2 for bad flags.
 */
export async function runCli(argv: string[], io: CliIo = defaultIo, name = "sotaocr-emulator"): Promise<number> {
  let command: CliCommand;
  try {
    command = parseCommandLine(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`${name}: ${error.message}\n`);
    io.err(usage(name));
    return 2;
  }
  if (command.kind === "help") {
    io.out(usage(name));
    return 0;
  }
  if (command.kind === "version") {
    io.out(VERSION);
    return 0;
  }
  let emulator: Emulator;
  try {
    emulator = await startEmulator({ ...command.options, log: command.quiet ? false : io.out });
  } catch (error) {
    if (error instanceof TypeError) {
      io.err(`${name}: ${error.message}\n`);
      io.err(usage(name));
      return 2;
    }
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === "EADDRINUSE" ? `port ${command.options.port} is in use (try --port 0)` : (error as Error).message;
    io.err(`${name}: cannot start: ${reason}`);
    return 1;
  }
  const key = emulator.apiKeys.includes(DEFAULT_API_KEY) ? DEFAULT_API_KEY : "<your --api-key>";
  io.out(
    `${name} ${VERSION} listening on ${emulator.url} — point the client at it: SOTAOCR_BASE_URL=${emulator.url} SOTAOCR_API_KEY=${key}`,
  );
  return new Promise<number>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      // A second signal while closing ends the process at once.
      process.once("SIGINT", () => process.exit(130));
      process.once("SIGTERM", () => process.exit(143));
      emulator.close().then(
        () => resolve(0),
        (error: unknown) => {
          io.err(`${name}: error while stopping: ${(error as Error).message}`);
          resolve(1);
        },
      );
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}
