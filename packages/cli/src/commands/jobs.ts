import { normalizePageRanges, type PageRange } from "@sotaocr/core";
import { clientFrom, type GlobalOptions, interruptSignal } from "../context.js";
import { parseDuration } from "../duration.js";
import { type RunFacts, runFacts } from "../error-advice.js";
import { EXIT, OutputExistsError, UsageError } from "../fail.js";
import { type OutputFormat, render } from "../output.js";
import type { Printer } from "../printer.js";
import { createReporter } from "../progress.js";
import { pathsInTheWay, writeResultFile } from "../result-files.js";
import { jobsResultCommand } from "../suggested-commands.js";

/** `sotaocr jobs get <id>`: a job's status as JSON. */
export async function getJob(jobId: string, options: GlobalOptions, printer: Printer): Promise<number> {
  checkJobId(jobId);
  const job = await clientFrom(options).getJob(jobId);
  const { raw: _raw, ...summary } = job;
  printer.out(`${JSON.stringify(summary, null, 2)}\n`);
  return EXIT.ok;
}

export interface JobResultOptions extends GlobalOptions {
  format: OutputFormat;
  pages?: string;
  out?: string;
  /** Replace the --out file if it exists. */
  force?: boolean;
  timeout: string;
}

/**
 * `sotaocr jobs result <id>`: waits for a job that is already on the server (say, after Ctrl-C)
 * and prints or writes its result, without uploading again. An existing --out file is refused
 * before waiting, and never replaced without --force, even if it appears while waiting.
 */
export async function jobResult(jobId: string, options: JobResultOptions, printer: Printer): Promise<number> {
  checkJobId(jobId);
  const timeoutMs = parseDuration(options.timeout);
  if (timeoutMs === undefined) throw new UsageError(`--timeout must be a duration like 90s, 30m or 2h, not "${options.timeout}".`);
  const pageRanges = pageRangesOf(options);
  const replace = options.force === true;
  if (options.out) {
    const [inTheWay] = await pathsInTheWay([options.out], replace);
    if (inTheWay !== undefined)
      throw new OutputExistsError(`${inTheWay} already exists: pass --force to replace a file, or another --out <file>.`);
  }
  const client = clientFrom(options);
  const reporter = createReporter(process.stderr, printer.redact);
  const interrupt = interruptSignal();
  try {
    await client.waitForJob(jobId, { timeoutMs, signal: interrupt.signal, onProgress: (progress) => reporter.progress(progress) });
    const pages = await client.getPages(jobId, {
      format: options.format === "text" ? "text" : "markdown",
      pageRanges,
      signal: interrupt.signal,
    });
    const content = render(pages, options.format);
    if (options.out) {
      if (!(await writeResultFile(options.out, content, replace)))
        throw new OutputExistsError(
          `${options.out} appeared while waiting for the job and was left alone: run this again with another --out <file>.`,
        );
      reporter.status(jobId, `done: ${pages.pageCount} pages → ${options.out}`, true);
      reporter.stop();
      printer.err(`wrote ${options.out}\n`);
    } else {
      reporter.stop();
      printer.out(content);
    }
    return EXIT.ok;
  } catch (error) {
    if (!interrupt.signal.aborted) throw error;
    reporter.stop();
    printer.err(`Interrupted: stopped waiting. Job ${jobId} keeps running on the server: run this again to fetch it.\n`);
    return EXIT.interrupted;
  } finally {
    reporter.stop();
    interrupt.dispose();
  }
}

/** For errors of `jobs result`: the command that fetches the job is this one again, with its --format, --pages and --out. */
export function jobResultFacts(options: JobResultOptions): RunFacts {
  let pageRanges: PageRange[] | undefined;
  try {
    pageRanges = pageRangesOf(options);
  } catch {
    // Bad --pages is a usage error, reported before anything is asked of the server.
  }
  return {
    ...runFacts(options),
    timeout: options.timeout,
    fetchLater: (jobId) => jobsResultCommand(jobId, { format: options.format, pageRanges }, options.out),
  };
}

function pageRangesOf(options: JobResultOptions): PageRange[] | undefined {
  try {
    return options.pages === undefined ? undefined : normalizePageRanges(options.pages);
  } catch (error) {
    throw new UsageError(`--pages: ${(error as Error).message}`);
  }
}

/** Ids that could not name a job (the client refuses them too, in its own words). */
function checkJobId(jobId: string): void {
  if (jobId.trim() === "" || jobId === "." || jobId === "..")
    throw new UsageError(`<id> must be a job's id, such as job_123, not "${jobId}".`);
}
