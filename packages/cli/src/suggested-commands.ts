import { formatPageRanges, type PageRange } from "@sotaocr/core";
import type { OutputFormat } from "./output.js";

/** A word as a POSIX shell reads it: as is when plain, else single-quoted. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}

/** What decides a result's content and numbering, as a run asked for it. */
export interface ResultFlags {
  format: OutputFormat;
  pageRanges?: PageRange[] | undefined;
}

/** ` --format json --pages 2-3`: the flags that ask for a result as `flags` does (markdown and all pages are the defaults). */
function resultFlags({ format, pageRanges }: ResultFlags): string {
  const formatFlag = format === "markdown" ? "" : ` --format ${format}`;
  return `${formatFlag}${pageRanges ? ` --pages ${formatPageRanges(pageRanges)}` : ""}`;
}

/**
 * The command that fetches a job's result without uploading again: `sotaocr jobs result <id>`
 * with the run's --format and --pages (without --pages a page-range job's pages would be numbered
 * from 1), and `--out` when the run wrote a file rather than printing.
 */
export function jobsResultCommand(jobId: string, flags: ResultFlags, out?: string): string {
  return `sotaocr jobs result ${shellWord(jobId)}${resultFlags(flags)}${out === undefined ? "" : ` --out ${shellWord(out)}`}`;
}

/** What `extract` was given besides the files, to run one of them again as the run would have. */
export interface ExtractFlags extends ResultFlags {
  /** The folder results go to; undefined when one file's result is printed. */
  outDir: string | undefined;
  modelProfile?: string | undefined;
  cache?: boolean | string | undefined;
  timeout?: string | undefined;
}

/** The command that OCRs `source` again as the run did: same folder (`--out .` when it was the default), format, pages, profile, cache. */
export function extractCommand(source: string, flags: ExtractFlags): string {
  const words = ["sotaocr extract", shellWord(source)];
  if (flags.outDir !== undefined) words.push("--out", shellWord(flags.outDir));
  const result = resultFlags(flags).trim();
  if (result) words.push(result);
  if (flags.modelProfile !== undefined) words.push("--model-profile", shellWord(flags.modelProfile));
  if (flags.cache === true) words.push("--cache");
  else if (typeof flags.cache === "string") words.push("--cache", shellWord(flags.cache));
  if (flags.timeout !== undefined && flags.timeout !== DEFAULT_TIMEOUT) words.push("--timeout", shellWord(flags.timeout));
  return words.join(" ");
}

/** `--timeout`'s default, for commands that wait on jobs. */
export const DEFAULT_TIMEOUT = "30m";
