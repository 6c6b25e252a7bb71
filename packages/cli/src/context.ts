import { SotaOcrClient } from "@sotaocr/core";
import { UsageError } from "./fail.js";

/** Options every command accepts. */
export interface GlobalOptions {
  apiKey?: string;
  baseUrl?: string;
  verbose?: boolean;
  /** `--cache` (true: the user's cache folder) or `--cache DIR`. */
  cache?: boolean | string;
}

/** A client from `--api-key` / `--base-url` (else SOTAOCR_API_KEY / SOTAOCR_BASE_URL) and `--cache`. */
export function clientFrom(options: GlobalOptions): SotaOcrClient {
  const baseUrl = options.baseUrl ?? (process.env.SOTAOCR_BASE_URL || undefined);
  if (baseUrl !== undefined && !(URL.canParse(baseUrl) && ["http:", "https:"].includes(new URL(baseUrl).protocol))) {
    const where = options.baseUrl !== undefined ? "--base-url" : "SOTAOCR_BASE_URL";
    throw new UsageError(
      `${where} must be an http(s) URL, such as https://api.sotaocr.com or the one \`sotaocr emulator\` prints, not "${baseUrl}".`,
    );
  }
  return new SotaOcrClient({ apiKey: options.apiKey, baseUrl: options.baseUrl, cache: options.cache });
}

/** Aborts on the first Ctrl-C (a second one exits at once), for commands that wait on jobs. */
export function interruptSignal(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort(new Error("interrupted"));
  };
  process.on("SIGINT", onSigint);
  return { signal: controller.signal, dispose: () => process.off("SIGINT", onSigint) };
}
