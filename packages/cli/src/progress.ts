import type { JobProgress } from "@sotaocr/core";
import cliProgress from "cli-progress";
import { barLine, columnsOf, type SharedWidths } from "./bar-line.js";

/** What `extract` reports per file while it works. */
export interface ProgressReporter {
  /** A file's state in words ("queued", "done: 3 pages → out/report.md"); `complete` fills its bar. */
  status(source: string, text: string, complete?: boolean): void;
  /** A job's status or page progress changed. */
  progress(progress: JobProgress): void;
  /** Removes bars, flushes lines. */
  stop(): void;
}

/**
 * One bar per file driven by pages_completed / page_count on a terminal; plain lines, one per
 * change, when stderr is not a terminal or CI is set, so logs stay readable. Writes to stderr
 * only: stdout may carry the result. `redact` cleans every text shown (file names, statuses and
 * job ids come from outside) before a bar may cut it to the terminal's width.
 */
export function createReporter(
  stream: NodeJS.WriteStream = process.stderr,
  redact: (text: string) => string = (text) => text,
): ProgressReporter {
  const reporter = stream.isTTY && !process.env.CI ? new BarsReporter(stream) : new LinesReporter(stream);
  return {
    status: (source, text, complete) => reporter.status(redact(source), redact(text), complete),
    progress: (progress) =>
      reporter.progress({
        ...progress,
        jobId: redact(progress.jobId),
        source: progress.source === undefined ? undefined : redact(progress.source),
        status: redact(progress.status),
      }),
    stop: () => reporter.stop(),
  };
}

const pagesOf = ({ pageCount, pagesCompleted }: JobProgress) => (pageCount ? ` ${pagesCompleted ?? 0}/${pageCount} pages` : "");

class LinesReporter implements ProgressReporter {
  readonly #last = new Map<string, string>();
  constructor(readonly stream: NodeJS.WritableStream) {}

  status(source: string, text: string): void {
    if (this.#last.get(source) === text) return;
    this.#last.set(source, text);
    this.stream.write(`${source}: ${text}\n`);
  }
  progress(progress: JobProgress): void {
    this.status(progress.source ?? progress.jobId, `${progress.status}${pagesOf(progress)} (${progress.jobId})`);
  }
  stop(): void {}
}

/**
 * One bar per file, each line fitted to the terminal's width as it is at every redraw (see
 * `barLine`): names share a column, counts are never cut.
 */
class BarsReporter implements ProgressReporter {
  readonly #bars = new Map<string, cliProgress.SingleBar>();
  readonly #multi: cliProgress.MultiBar;
  readonly #shared: SharedWidths = { name: 0, totalDigits: 1 };

  constructor(stream: NodeJS.WriteStream) {
    this.#multi = new cliProgress.MultiBar(
      {
        stream,
        format: (_options, params, payload: { name: string; status: string }) =>
          barLine({ value: params.value, total: params.total, name: payload.name, status: payload.status }, this.#shared, stream.columns),
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
  }

  status(source: string, text: string, complete = false): void {
    const bar = this.#bar(source);
    if (complete) bar.update(bar.getTotal(), { status: text });
    else bar.update({ status: text });
  }
  progress(progress: JobProgress): void {
    const bar = this.#bar(progress.source ?? progress.jobId);
    if (progress.pageCount) {
      bar.setTotal(progress.pageCount);
      this.#shared.totalDigits = Math.max(this.#shared.totalDigits, String(progress.pageCount).length);
    }
    bar.update(progress.pagesCompleted ?? 0, { status: `${progress.status} (${progress.jobId})` });
  }
  stop(): void {
    this.#multi.stop();
  }

  #bar(source: string): cliProgress.SingleBar {
    let bar = this.#bars.get(source);
    if (!bar) {
      bar = this.#multi.create(1, 0, { name: source, status: "" });
      this.#bars.set(source, bar);
      this.#shared.name = Math.max(this.#shared.name, columnsOf(source));
    }
    return bar;
  }
}
