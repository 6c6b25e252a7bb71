import { spawn } from "node:child_process";
import { readFile, stat } from "node:fs/promises";
import { normalizePageRanges, type OcrPage, type PageRange } from "@sotaocr/core";
import type { Command, OptionValues } from "commander";
import { clientFrom, type GlobalOptions, interruptSignal } from "../context.js";
import { parseDuration } from "../duration.js";
import { type RunFacts, runFacts } from "../error-advice.js";
import { EXIT, OutputExistsError, UsageError } from "../fail.js";
import type { Printer } from "../printer.js";
import { createReporter } from "../progress.js";
import { pathsInTheWay, writeResultFile } from "../result-files.js";
import { shellWord } from "../suggested-commands.js";
import { type InspectModel, inspectModel } from "./model.js";
import { inspectorHtml } from "./page.js";
import { serveInspector } from "./server.js";

export interface InspectOptions extends GlobalOptions {
  pages?: string;
  /** Write a self-contained HTML file instead of serving the page. */
  out?: string;
  force?: boolean;
  /** A JSON file of retrieved chunks (Documents, nodes or their metadata) to highlight. */
  highlight?: string;
  port?: string;
  open?: boolean;
  timeout: string;
}

/**
 * `sotaocr inspect <file…|job id…>`: OCRs the files (or reads finished jobs by id; with --cache, a
 * cached result) and shows each page's image with its element boxes, served on 127.0.0.1 until
 * Ctrl-C, or written to one self-contained file with --out.
 */
export async function inspect(inputs: string[], options: InspectOptions, printer: Printer): Promise<number> {
  const { pageRanges, timeoutMs, port } = checkOptions(options);
  const highlightInput = options.highlight === undefined ? undefined : await readHighlight(options.highlight);
  if (options.out !== undefined) {
    const [inTheWay] = await pathsInTheWay([options.out], options.force === true);
    if (inTheWay !== undefined)
      throw new OutputExistsError(
        `${inTheWay} already exists. Nothing was uploaded. Pass --force to replace a file, or another --out <file>.`,
      );
  }
  const client = clientFrom(options);
  const interrupt = interruptSignal();
  const reporter = createReporter(process.stderr, printer.redact);
  let documents: { source: string; jobId: string; pages: OcrPage[] }[];
  try {
    documents = [];
    for (const input of inputs) {
      reporter.status(input, "queued");
      if (await isJobId(input)) {
        await client.waitForJob(input, { timeoutMs, signal: interrupt.signal, onProgress: (progress) => reporter.progress(progress) });
        const { pages } = await client.getPages(input, { pageRanges, signal: interrupt.signal });
        documents.push({ source: input, jobId: input, pages });
      } else {
        const result = await client.ocr(input, {
          pageRanges,
          timeoutMs,
          signal: interrupt.signal,
          onProgress: (progress) => reporter.progress(progress),
        });
        documents.push({ source: input, jobId: result.jobId, pages: result.pages });
      }
      reporter.status(input, "done", true);
    }
  } finally {
    reporter.stop();
    interrupt.dispose();
  }

  const model = inspectModel(documents, highlightInput);
  for (const problem of model.highlightProblems) printer.err(`--highlight: ${problem}\n`);
  // The service's text goes into the page: cleaned of the run's keys like everything the CLI prints.
  const clean = JSON.parse(printer.redact(JSON.stringify(model))) as InspectModel;
  const preview = (jobId: string, previewNumber: number) => client.getPagePreview(jobId, previewNumber);
  if (options.out !== undefined) return writeReport(clean, options.out, options.force === true, preview, printer);
  return serve(clean, preview, port, options.open === true, printer);
}

/** Writes the page with every image inlined; the previews are fetched one a second (core's pace per job). */
async function writeReport(
  model: InspectModel,
  out: string,
  replace: boolean,
  preview: (jobId: string, previewNumber: number) => Promise<{ contentType: string; bytes: Uint8Array }>,
  printer: Printer,
): Promise<number> {
  const withImages = model.pages.filter((page) => page.previewNumber !== undefined);
  let done = 0;
  for (const page of withImages) {
    const jobId = model.documents[page.document]?.jobId as string;
    const image = await preview(jobId, page.previewNumber as number);
    const type = image.contentType.split(";")[0]?.trim().toLowerCase() || "application/octet-stream";
    page.image = `data:${type};base64,${Buffer.from(image.bytes).toString("base64")}`;
    done++;
    if (withImages.length > 1) printer.err(`page images: ${done}/${withImages.length}\n`);
  }
  const html = inspectorHtml(model, { served: false });
  if (!(await writeResultFile(out, html, replace)))
    throw new OutputExistsError(`${out} appeared while the pages were read and was left alone: run this again with another --out <file>.`);
  printer.err(`wrote ${out}\n`);
  return EXIT.ok;
}

/** Serves the page until Ctrl-C (or SIGTERM); the URL goes to stdout. */
async function serve(
  model: InspectModel,
  preview: (jobId: string, previewNumber: number) => Promise<{ contentType: string; bytes: Uint8Array }>,
  port: number,
  open: boolean,
  printer: Printer,
): Promise<number> {
  let server: Awaited<ReturnType<typeof serveInspector>>;
  try {
    server = await serveInspector(model, inspectorHtml(model, { served: true }), preview, printer.redact, port);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EADDRINUSE")
      throw new UsageError(`--port ${port} is taken: pass another, or leave --port out for a free one.`);
    throw error;
  }
  const pages = model.pages.length;
  printer.out(`${server.url}\n`);
  printer.err(`Inspecting ${pages} page${pages === 1 ? "" : "s"} at ${server.url} (only this machine can open it). Ctrl-C to stop.\n`);
  if (open) openBrowser(server.url, printer);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  await server.close();
  return EXIT.ok;
}

/** Opens `url` in the default browser, with the system's own opener; a failure is only a note (the URL is printed). */
function openBrowser(url: string, printer: Printer): void {
  const [command, args] =
    process.platform === "darwin"
      ? ["open", [url]]
      : process.platform === "win32"
        ? ["cmd", ["/c", "start", '""', url]]
        : ["xdg-open", [url]];
  const child = spawn(command, args, { stdio: "ignore", detached: true });
  child.on("error", (error) => printer.err(`Could not open a browser (${error.message}): open ${url} yourself.\n`));
  child.unref();
}

/**
 * An argument is a job id when no file has that name and it looks like one (letters, digits,
 * `_` and `-`, no extension): `job_123`. Anything else is a file, whose absence the client reports.
 */
async function isJobId(input: string): Promise<boolean> {
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(input)) return false;
  return stat(input).then(
    () => false,
    () => true,
  );
}

async function readHighlight(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new UsageError(`--highlight ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? error}).`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(
      `--highlight ${path} is not JSON (${(error as Error).message}): write the retrieved Documents with JSON.stringify(docs).`,
    );
  }
}

function checkOptions(options: InspectOptions): { pageRanges: PageRange[] | undefined; timeoutMs: number; port: number } {
  let pageRanges: PageRange[] | undefined;
  try {
    pageRanges = options.pages === undefined ? undefined : normalizePageRanges(options.pages);
  } catch (error) {
    throw new UsageError(`--pages: ${(error as Error).message}`);
  }
  const timeoutMs = parseDuration(options.timeout);
  if (timeoutMs === undefined) throw new UsageError(`--timeout must be a duration like 90s, 30m or 2h, not "${options.timeout}".`);
  const port = options.port === undefined ? 0 : Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port must be a port number (1-65535, or 0 for a free one), not "${options.port}".`);
  if (options.out !== undefined && (options.port !== undefined || options.open))
    throw new UsageError("--out writes a file and serves nothing: leave out --port and --open.");
  return { pageRanges, timeoutMs, port };
}

/** For errors of `inspect`: a job that keeps running can be inspected by its id later. */
export function inspectFacts(options: InspectOptions): RunFacts {
  return {
    ...runFacts(options),
    timeout: options.timeout,
    cache: Boolean(options.cache),
    fetchLater: (jobId) => `sotaocr inspect ${shellWord(jobId)}`,
  };
}

type Run = <A extends unknown[]>(
  action: (...args: A) => Promise<number>,
  factsOf?: (options: OptionValues) => RunFacts,
) => (...args: A) => Promise<void>;

/** Adds `inspect` to the program; `run` is the program's wrapper that turns errors into advice and an exit code. */
export function addInspectCommand(program: Command, run: Run, printer: Printer): Command {
  return program
    .command("inspect")
    .description("see what the OCR found: each page's image with its element boxes and text, in the browser (or one HTML file with --out)")
    .argument("<inputs...>", "files to OCR (PDF, PNG, JPEG), or ids of finished jobs")
    .option("--pages <ranges>", 'pages to process (or the ranges a job was created with), 1-based, e.g. "1-3,5" (default: all)')
    .option("--out <file>", "write one self-contained HTML file (images inlined) instead of serving the page")
    .option("--force", "replace the --out file if it exists")
    .option("--highlight <file>", "a JSON file of retrieved chunks (LangChain/LlamaIndex Documents or their metadata) to highlight")
    .option("--port <port>", "serve on this port of 127.0.0.1 (default: a free one)")
    .option("--open", "open the page in the default browser")
    .option("--cache [dir]", "keep results on disk: inspecting the same file again uploads nothing")
    .option("--timeout <duration>", "give up waiting after this long: 90s, 30m, 2h", "30m")
    .action(
      run(
        (inputs: string[], _options, command: Command) => inspect(inputs, command.optsWithGlobals(), printer),
        (options) => inspectFacts(options as InspectOptions),
      ),
    );
}
