import { normalizePageRanges } from "@sotaocr/core";
import { clientFrom, type GlobalOptions, interruptSignal } from "../context.js";
import { parseDuration } from "../duration.js";
import { EXIT, UsageError } from "../fail.js";
import { type OutputFormat, render, writeOutput } from "../output.js";
import { createReporter } from "../progress.js";

/** `sotaocr jobs get <id>`: a job's status as JSON. */
export async function getJob(jobId: string, options: GlobalOptions): Promise<number> {
  const job = await clientFrom(options).getJob(jobId);
  const { raw: _raw, ...summary } = job;
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  return EXIT.ok;
}

export interface JobResultOptions extends GlobalOptions {
  format: OutputFormat;
  pages?: string;
  out?: string;
  timeout: string;
}

/**
 * `sotaocr jobs result <id>`: waits for a job that is already on the server (say, after Ctrl-C)
 * and prints or writes its result, without uploading again.
 */
export async function jobResult(jobId: string, options: JobResultOptions): Promise<number> {
  const timeoutMs = parseDuration(options.timeout);
  if (timeoutMs === undefined) throw new UsageError(`--timeout must be a duration like 90s, 30m or 2h, not "${options.timeout}".`);
  let pageRanges: ReturnType<typeof normalizePageRanges> | undefined;
  try {
    pageRanges = options.pages === undefined ? undefined : normalizePageRanges(options.pages);
  } catch (error) {
    throw new UsageError(`--pages: ${(error as Error).message}`);
  }
  const client = clientFrom(options);
  const reporter = createReporter();
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
      await writeOutput(options.out, content);
      reporter.status(jobId, `done: ${pages.pageCount} pages → ${options.out}`, true);
    } else {
      reporter.stop();
      process.stdout.write(content);
    }
    return EXIT.ok;
  } catch (error) {
    if (!interrupt.signal.aborted) throw error;
    reporter.stop();
    process.stderr.write(`Interrupted: stopped waiting. Job ${jobId} keeps running on the server: run this again to fetch it.\n`);
    return EXIT.interrupted;
  } finally {
    reporter.stop();
    interrupt.dispose();
  }
}
