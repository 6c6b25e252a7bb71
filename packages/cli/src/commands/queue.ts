import { join } from "node:path";
import type { GlobalOptions } from "../context.js";
import { OutputExistsError, UsageError } from "../fail.js";
import { type OutputFormat, outputPaths, render } from "../output.js";
import type { Printer } from "../printer.js";
import { pathsInTheWay, writeResultFile } from "../result-files.js";

/** Options every `sotaocr queue` command takes. */
export interface QueueCommandOptions extends GlobalOptions {
  redis?: string;
  queue?: string;
  resultsDir?: string;
}

type QueueModule = typeof import("@sotaocr/queue");
type FileOrder = import("@sotaocr/queue").FileOrder;

/** @sotaocr/queue (BullMQ, ioredis) is loaded only by `sotaocr queue …`: the other commands stay light. */
async function loadQueue(): Promise<QueueModule> {
  try {
    return await import("@sotaocr/queue");
  } catch (cause) {
    throw new Error("The queue is a separate package: install it with `npm install -g @sotaocr/queue` (or add it to your project).", {
      cause,
    });
  }
}

function connection(queue: QueueModule, options: QueueCommandOptions) {
  return {
    redis: options.redis ?? queue.defaultRedisUrl(),
    name: options.queue,
    results: options.resultsDir ? new queue.FolderResultStore(options.resultsDir) : undefined,
  };
}

function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!(Number.isInteger(n) && n >= 1)) throw new UsageError(`${flag} must be a whole number ≥ 1, not "${value}".`);
  return n;
}

/** `sotaocr queue add <files…>`: queues files (paths every worker sees, or URLs); one line per file. */
export async function queueAdd(
  files: string[],
  options: QueueCommandOptions & { format?: string; pages?: string; modelProfile?: string; order?: FileOrder },
  printer: Printer,
): Promise<number> {
  const module = await loadQueue();
  const queue = new module.OcrQueue(connection(module, options));
  try {
    const format = options.format === "text" ? "text" : "markdown";
    const queued = await queue.add(files, { format, pageRanges: options.pages, modelProfile: options.modelProfile, order: options.order });
    for (const file of queued) printer.out(`${file.outcome}\t${file.id}\t${file.source}\n`);
    const added = queued.filter((file) => file.outcome !== "queued").length;
    printer.err(`${added} added, ${queued.length - added} already queued (queue "${queue.name}").\n`);
    return 0;
  } finally {
    await queue.close();
  }
}

/** `sotaocr queue work`: one worker, until SIGTERM/SIGINT (a second one abandons the files in hand to other workers). */
export async function queueWork(
  options: QueueCommandOptions & { concurrency?: string; maxActiveJobs?: string; maxRequestsPerSecond?: string },
  printer: Printer,
): Promise<number> {
  const module = await loadQueue();
  const baseUrl = options.baseUrl ?? (process.env.SOTAOCR_BASE_URL || undefined);
  const worker = new module.OcrWorker({
    ...connection(module, options),
    client: { apiKey: options.apiKey, baseUrl },
    concurrency: positiveInt(options.concurrency, "--concurrency") ?? 4,
    maxActiveJobs: positiveInt(options.maxActiveJobs, "--max-active-jobs"),
    maxRequestsPerSecond: positiveInt(options.maxRequestsPerSecond, "--max-requests-per-second"),
  });
  worker.worker.on("completed", (job) => printer.err(`done\t${job.data.source}\t${job.returnvalue?.pageCount ?? "?"} pages\n`));
  worker.worker.on("failed", (job, error) => printer.err(`failed\t${job?.data.source ?? "?"}\t${error.message}\n`));
  const closed = new Promise<void>((resolve) => worker.stopOnSignals(resolve));
  await worker.ready();
  printer.err(`worker ready on queue "${worker.name}"; SIGTERM or Ctrl-C stops it after its files in hand (twice: at once).\n`);
  await closed;
  printer.err("worker stopped.\n");
  return 0;
}

/** `sotaocr queue status`: files by state. */
export async function queueStatus(options: QueueCommandOptions & { json?: boolean }, printer: Printer): Promise<number> {
  const module = await loadQueue();
  const queue = new module.OcrQueue(connection(module, options));
  try {
    const status = await queue.status();
    if (options.json) printer.out(`${JSON.stringify(status)}\n`);
    else {
      printer.out(
        `waiting ${status.waiting}, active ${status.active}, delayed ${status.delayed}, completed ${status.completed}, failed ${status.failed}` +
          `; max active jobs ${status.maxActiveJobs ?? "not set"}\n`,
      );
    }
    return 0;
  } finally {
    await queue.close();
  }
}

/**
 * `sotaocr queue results [--out dir]`: every finished file, as it finishes, until none is left to
 * do. With --out, one result file each (refused if it exists, unless --force); else one line each.
 * Exit code 1 when a file failed.
 */
export async function queueResults(
  options: QueueCommandOptions & { out?: string; format?: OutputFormat; force?: boolean; follow?: boolean },
  printer: Printer,
): Promise<number> {
  const module = await loadQueue();
  const queue = new module.OcrQueue(connection(module, options));
  const format = options.format ?? "markdown";
  let failed = 0;
  try {
    for await (const item of queue.results({ follow: options.follow })) {
      if (item.error) {
        failed++;
        printer.err(`failed\t${item.source}\t${item.error.message}\n`);
        continue;
      }
      const { result } = item;
      if (!options.out) {
        printer.out(`${item.source}\t${result.pageCount} pages\t${result.jobId}\n`);
        continue;
      }
      // Named after the file, with the queue job id when two queued files share a name.
      const path = outputPaths([item.source], options.out, format).get(item.source) ?? join(options.out, `${item.id}.md`);
      const inTheWay = await pathsInTheWay([path], options.force === true);
      if (inTheWay.length > 0) throw new OutputExistsError(`${inTheWay.join(", ")} exists: add --force to replace it.`);
      if (!(await writeResultFile(path, render({ ...result, source: item.source }, format), options.force === true))) {
        throw new OutputExistsError(`${path} appeared while writing: add --force to replace it.`);
      }
      printer.err(`wrote ${path}\n`);
    }
    return failed > 0 ? 1 : 0;
  } finally {
    await queue.close();
  }
}
