import { AbortError, InvalidInputError, type JobProgress, normalizePageRanges, type PageRange } from "@sotaocr/core";
import { glob, isDynamicPattern } from "tinyglobby";
import { clientFrom, type GlobalOptions, interruptSignal } from "../context.js";
import { parseDuration } from "../duration.js";
import { describeError, EXIT, red, UsageError } from "../fail.js";
import { type OutputFormat, outputPaths, render, writeOutput } from "../output.js";
import { createReporter } from "../progress.js";

export interface ExtractOptions extends GlobalOptions {
  format: OutputFormat;
  pages?: string;
  out?: string;
  concurrency: string;
  modelProfile?: string;
  timeout: string;
}

/** `sotaocr extract <files or globs...>`: OCR each file, writing `<name>.<ext>` or, for one file, stdout. */
export async function extract(patterns: string[], options: ExtractOptions): Promise<number> {
  const { pageRanges, concurrency, timeoutMs } = checkOptions(options);
  const files = await expand(patterns);
  const toStdout = files.length === 1 && options.out === undefined;
  const targets = outputPaths(files, options.out ?? ".", options.format);
  const client = clientFrom(options);
  const reporter = createReporter();
  const interrupt = interruptSignal();
  const inFlight = new Map<string, string>(); // source → job id, until its result is in
  const failures: string[] = [];
  let stdoutContent: string | undefined;
  for (const file of files) reporter.status(file, "queued");

  try {
    const items = client.ocrMany(files, {
      format: options.format === "text" ? "text" : "markdown",
      pageRanges,
      modelProfile: options.modelProfile,
      concurrency,
      timeoutMs,
      signal: interrupt.signal,
      onProgress: (progress: JobProgress) => {
        if (progress.source) inFlight.set(progress.source, progress.jobId);
        reporter.progress(progress);
      },
    });
    for await (const item of items) {
      if (item.error) {
        if (!(item.error instanceof AbortError)) inFlight.delete(item.source);
        reporter.status(item.source, `failed (${item.error.name})`);
        failures.push(`${item.source}: ${describeError(item.error, options.verbose ?? false)}`);
        continue;
      }
      inFlight.delete(item.source);
      const content = render({ ...item.result, source: item.source }, options.format);
      const pages = `${item.result.pageCount} page${item.result.pageCount === 1 ? "" : "s"}`;
      if (toStdout) {
        stdoutContent = content;
        reporter.status(item.source, `done: ${pages}`, true);
      } else {
        const target = targets.get(item.source) as string;
        await writeOutput(target, content);
        reporter.status(item.source, `done: ${pages} → ${target}`, true);
      }
    }
  } finally {
    reporter.stop();
    interrupt.dispose();
  }

  if (stdoutContent !== undefined) process.stdout.write(stdoutContent);
  if (interrupt.signal.aborted) {
    process.stderr.write("Interrupted: stopped waiting.");
    if (inFlight.size === 0) process.stderr.write(" No job was left running.\n");
    else {
      process.stderr.write(" These jobs are still running on the server; fetch their results later, without uploading again:\n");
      for (const [source, jobId] of inFlight) process.stderr.write(`  sotaocr jobs result ${jobId}   # ${source}\n`);
    }
    return EXIT.interrupted;
  }
  if (failures.length === 1 && files.length === 1) {
    process.stderr.write(`${red("sotaocr:")} ${failures[0]}\n`); // one file: one line
    return EXIT.failure;
  }
  if (failures.length > 0) {
    process.stderr.write(
      `${failures.length} of ${files.length} file${files.length === 1 ? "" : "s"} failed:\n${failures.map((line) => `  ${line}`).join("\n")}\n`,
    );
    return EXIT.failure;
  }
  return EXIT.ok;
}

function checkOptions(options: ExtractOptions): { pageRanges: PageRange[] | undefined; concurrency: number; timeoutMs: number } {
  let pageRanges: PageRange[] | undefined;
  try {
    pageRanges = options.pages === undefined ? undefined : normalizePageRanges(options.pages);
  } catch (error) {
    throw new UsageError(`--pages: ${(error as Error).message}`);
  }
  const concurrency = Number(options.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new UsageError(`--concurrency must be a whole number ≥ 1, not "${options.concurrency}".`);
  const timeoutMs = parseDuration(options.timeout);
  if (timeoutMs === undefined) throw new UsageError(`--timeout must be a duration like 90s, 30m or 2h, not "${options.timeout}".`);
  return { pageRanges, concurrency, timeoutMs };
}

/** Expands glob patterns (for shells that do not, or quoted ones); plain paths pass as given. */
async function expand(patterns: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const pattern of patterns) {
    if (!isDynamicPattern(pattern)) {
      files.push(pattern);
      continue;
    }
    const matches = (await glob(pattern, { onlyFiles: true, expandDirectories: false })).sort();
    if (matches.length === 0)
      throw new InvalidInputError(`No file matches ${pattern}: check the pattern and the working directory.`, "not_found", pattern);
    files.push(...matches);
  }
  return [...new Set(files)];
}
