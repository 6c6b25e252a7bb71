import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { AbortError, InvalidInputError, type JobProgress, normalizePageRanges, type PageRange } from "@sotaocr/core";
import { glob, isDynamicPattern } from "tinyglobby";
import { clientFrom, type GlobalOptions, interruptSignal } from "../context.js";
import { parseDuration } from "../duration.js";
import { type RunFacts, runFacts } from "../error-advice.js";
import { describeError, EXIT, OutputExistsError, red, UsageError } from "../fail.js";
import { type OutputFormat, outputPaths, render } from "../output.js";
import type { Printer } from "../printer.js";
import { createReporter } from "../progress.js";
import { pathsInTheWay, writeResultFile } from "../result-files.js";
import { extractCommand, jobsResultCommand } from "../suggested-commands.js";

export interface ExtractOptions extends GlobalOptions {
  format: OutputFormat;
  pages?: string;
  out?: string;
  concurrency: string;
  modelProfile?: string;
  timeout: string;
  /** Replace result files that exist (else the run stops before uploading anything). */
  force?: boolean;
}

/**
 * `sotaocr extract <files or globs...>`: OCR each file, writing `<name>.<ext>` or, for one file,
 * stdout. Result files never replace existing ones unless --force: all are checked before the
 * first upload (so nothing is paid for that cannot be written), and again as each is written.
 */
export async function extract(patterns: string[], options: ExtractOptions, printer: Printer): Promise<number> {
  const { pageRanges, concurrency, timeoutMs } = await checkOptions(options);
  const files = await expand(patterns);
  const toStdout = files.length === 1 && options.out === undefined;
  const targets = outputPaths(files, options.out ?? ".", options.format);
  const replace = options.force === true;
  if (!toStdout) await refuseFilesInTheWay([...targets.values()], replace);
  const client = clientFrom(options);
  const reporter = createReporter(process.stderr, printer.redact);
  const interrupt = interruptSignal();
  const inFlight = new Map<string, string>(); // source → job id, until its result is in
  const failures: string[] = [];
  const written: string[] = [];
  const flags = { format: options.format, pageRanges };
  const shared: RunFacts = { ...runFacts(options), timeout: options.timeout, cache: Boolean(options.cache), concurrency: true };
  // Per file: the commands that fetch its job's result (into the file the run would have written) or run it again.
  const fetchLater = (source: string, jobId: string) => jobsResultCommand(jobId, flags, toStdout ? undefined : targets.get(source));
  const factsFor = (source: string): RunFacts => ({
    ...shared,
    fetchLater: (jobId) => fetchLater(source, jobId),
    again: extractCommand(source, {
      ...flags,
      outDir: toStdout ? undefined : (options.out ?? "."),
      modelProfile: options.modelProfile,
      cache: options.cache,
      timeout: options.timeout,
    }),
  });
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
        else if (item.error.jobId) inFlight.set(item.source, item.error.jobId); // known to the error before any progress
        reporter.status(item.source, `failed (${item.error.name})`);
        failures.push(`${item.source}: ${describeError(item.error, options.verbose ?? false, factsFor(item.source))}`);
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
        const problem = await writeResult(target, content, replace, `${jobsResultCommand(item.result.jobId, flags)} --out <file>`);
        if (problem) {
          reporter.status(item.source, `not written (${problem.name})`);
          failures.push(`${item.source}: ${describeError(problem, options.verbose ?? false, factsFor(item.source))}`);
          continue;
        }
        written.push(target);
        reporter.status(item.source, `done: ${pages} → ${target}`, true);
      }
    }
  } finally {
    reporter.stop();
    interrupt.dispose();
  }

  if (stdoutContent !== undefined) printer.out(stdoutContent);
  for (const path of written) printer.err(`wrote ${path}\n`);
  if (interrupt.signal.aborted) {
    printer.err("Interrupted: stopped waiting.");
    if (inFlight.size === 0) printer.err(" No job was left running.\n");
    else {
      printer.err(" These jobs are still running on the server; fetch their results later, without uploading again:\n");
      for (const [source, jobId] of inFlight) printer.err(`  ${fetchLater(source, jobId)}   # ${source}\n`);
      if (options.cache) printer.err("Or run the same command again: --cache resumes these jobs.\n");
    }
    return EXIT.interrupted;
  }
  if (failures.length === 1 && files.length === 1) {
    printer.err(`${red("sotaocr:")} ${failures[0]}\n`); // one file: one line
    return EXIT.failure;
  }
  if (failures.length > 0) {
    printer.err(
      `${failures.length} of ${files.length} file${files.length === 1 ? "" : "s"} failed:\n${failures.map((line) => `  ${line}`).join("\n")}\n`,
    );
    return EXIT.failure;
  }
  return EXIT.ok;
}

/** Stops the run, before any upload, when result files are in the way; names them all and what to do. */
async function refuseFilesInTheWay(paths: string[], replace: boolean): Promise<void> {
  const inTheWay = await pathsInTheWay(paths, replace);
  if (inTheWay.length === 0) return;
  const what =
    inTheWay.length === 1 ? `${inTheWay[0]} already exists` : `${inTheWay.length} result files already exist: ${inTheWay.join(", ")}`;
  const advice = replace
    ? "A result never replaces a folder: pass --out <dir> to write elsewhere."
    : "Pass --force to replace existing files, or --out <dir> to write elsewhere.";
  throw new OutputExistsError(`${what}. Nothing was uploaded. ${advice}`);
}

/**
 * Writes one result file; when it cannot, an error saying how to get the result anyway (the job
 * keeps it on the server), so a paid result is never lost to a name taken meanwhile or a full disk.
 */
async function writeResult(target: string, content: string, replace: boolean, later: string): Promise<Error | undefined> {
  try {
    if (await writeResultFile(target, content, replace)) return undefined;
    return new OutputExistsError(
      `${target} appeared while the job ran and was left alone: fetch this result with \`${later}\` (no new upload).`,
    );
  } catch (cause) {
    return new Error(`Could not write ${target} (${(cause as Error).message}): fetch this result with \`${later}\` (no new upload).`, {
      cause,
    });
  }
}

async function checkOptions(
  options: ExtractOptions,
): Promise<{ pageRanges: PageRange[] | undefined; concurrency: number; timeoutMs: number }> {
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
  if (options.out !== undefined && !(await isFolderOrMissing(options.out)))
    throw new UsageError(`--out ${options.out} is not a folder: name a folder (it is created if missing).`);
  return { pageRanges, concurrency, timeoutMs };
}

async function isFolderOrMissing(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return true;
    if (code === "ENOTDIR") return false;
    throw error;
  }
}

/**
 * Expands glob patterns (for shells that do not, or quoted ones); plain paths pass as given. A file
 * named twice (`a.pdf ./a.pdf`, or by a path and a pattern) is kept once, as first named: it would
 * be OCR'd, and billed, twice for one result file.
 */
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
  const seen = new Set<string>();
  return files.filter((file) => {
    const path = resolve(file);
    if (seen.has(path)) return false;
    seen.add(path);
    return true;
  });
}
