import { isSotaOcrError } from "@sotaocr/core";
import { inCliTerms, type RunFacts, runFacts } from "./error-advice.js";

/** Exit codes: 0 success, 1 failure, 2 bad usage, 130 interrupted (Ctrl-C). */
export const EXIT = { ok: 0, failure: 1, usage: 2, interrupted: 130 } as const;

/** Bad flags or arguments: reported with a hint to `--help`, exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** A result file is in the way and --force was not given: the message names it and what to do. */
export class OutputExistsError extends Error {
  override readonly name = "OutputExistsError";
}

/**
 * One line for an error: "ErrorName: message", a library error's message in the CLI's terms (its
 * flags and commands, from `facts`). With `verbose`, then the stack and causes, which keep the
 * library's own message.
 */
export function describeError(error: unknown, verbose: boolean, facts: RunFacts = runFacts({})): string {
  if (!(error instanceof Error)) return String(error);
  const message = (isSotaOcrError(error) && inCliTerms(error, facts)) || error.message;
  const name = isSotaOcrError(error) || error instanceof OutputExistsError ? error.name : "Error";
  if (!verbose) return `${name}: ${message}`;
  const stack = [error.stack ?? `${error.name}: ${error.message}`, ...causes(error)];
  return (message === error.message ? stack : [`${name}: ${message}`, ...stack]).join("\n");
}

function causes(error: Error): string[] {
  const lines: string[] = [];
  for (let cause = error.cause; cause instanceof Error; cause = cause.cause) lines.push(`caused by ${cause.stack ?? cause.message}`);
  return lines;
}

/** Red when stderr is a terminal and NO_COLOR is not set. */
export function red(text: string, stream: NodeJS.WriteStream = process.stderr): string {
  return stream.isTTY && !process.env.NO_COLOR ? `\u001b[31m${text}\u001b[39m` : text;
}
