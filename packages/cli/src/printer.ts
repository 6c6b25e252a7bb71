import { redactor } from "./redact.js";

/**
 * Everything the CLI prints goes through one printer: results on stdout, the rest on stderr, each
 * with the API keys of the run removed. A server may echo the key in an error, a header, a job's
 * status or anything else the CLI repeats, so no text is trusted to be clean.
 */
export class Printer {
  /** Removes the run's API keys from text; for writers that cannot go through `out`/`err` (progress bars). */
  readonly redact: (text: string) => string;

  constructor(secrets: readonly string[]) {
    this.redact = redactor(secrets);
  }

  /** Results, for pipes. */
  out(text: string): void {
    process.stdout.write(this.redact(text));
  }

  /** Progress, errors and notes. */
  err(text: string): void {
    process.stderr.write(this.redact(text));
  }
}
