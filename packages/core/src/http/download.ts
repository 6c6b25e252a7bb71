import { basename } from "node:path";
import { type Dispatcher, request } from "undici";
import { DownloadError, isSotaOcrError, SotaOcrError, toAbortError } from "../errors.js";
import { positive } from "../options/resolve.js";
import { linkedController, timerDelay } from "../utils/timers.js";
import { VERSION } from "../version.js";
import { sizeOf } from "./transport.js";

// The one download of a URL input (the queue's and the LlamaIndex reader's): bounded in bytes,
// time and redirects. Design notes: docs/reliability.md ("Faults": URL inputs).

/** The most bytes a download may have by default: it is held in memory whole, to be checked and sent. */
export const DEFAULT_DOWNLOAD_MAX_BYTES = 256 * 1024 * 1024;
/** How long a whole download may take by default, in ms (connecting, redirects and the body). */
export const DEFAULT_DOWNLOAD_TIMEOUT_MS = 5 * 60_000;
/** Redirects followed by default (a file link often redirects to storage: one or two hops). */
export const DEFAULT_DOWNLOAD_MAX_REDIRECTS = 5;

/** The bounds of a download; integrations take them as their `download` option. */
export interface DownloadLimits {
  /**
   * The most bytes the file may have. A larger one is refused as soon as that shows (its
   * `Content-Length`, or the bytes read so far) and the connection is closed. @default 256 MiB
   */
  maxBytes?: number | undefined;
  /** How long the whole download may take, in ms (Infinity: no limit). @default 300000 (5 minutes) */
  timeoutMs?: number | undefined;
  /**
   * Redirects followed, to http(s) URLs only; 0 refuses any. They are safe to follow here because
   * a download carries no credentials (no API key, no cookies). @default 5
   */
  maxRedirects?: number | undefined;
}

export interface DownloadOptions extends DownloadLimits {
  /** Stops the download: the error is then an `AbortError`. */
  signal?: AbortSignal | undefined;
}

export interface DownloadedFile {
  bytes: Uint8Array;
  /** The last segment of the URL's path as given (decoded), or "document" when it has none. */
  filename: string;
  /** The URL the bytes came from, after redirects. */
  url: string;
}

const TIMED_OUT = Symbol("download timed out");

/**
 * Downloads an http(s) URL whole, within `maxBytes`, `timeoutMs` and `maxRedirects`. Every failure
 * is a `DownloadError` saying what happened and what to do, except the caller's abort (`AbortError`).
 */
export async function downloadUrl(url: string | URL, options: DownloadOptions = {}): Promise<DownloadedFile> {
  const source = String(url);
  const maxBytes = wholeNumber(options.maxBytes, "maxBytes", 1) ?? DEFAULT_DOWNLOAD_MAX_BYTES;
  const timeoutMs = positive(options.timeoutMs, "timeoutMs") ?? DEFAULT_DOWNLOAD_TIMEOUT_MS;
  const maxRedirects = wholeNumber(options.maxRedirects, "maxRedirects", 0) ?? DEFAULT_DOWNLOAD_MAX_REDIRECTS;
  const { controller, dispose } = linkedController(options.signal);
  const delay = timerDelay(timeoutMs);
  const timer = delay === undefined ? undefined : setTimeout(() => controller.abort(TIMED_OUT), delay);
  let current = httpUrl(source, source);
  try {
    for (let redirects = 0; ; redirects++) {
      const response = await request(current, {
        method: "GET",
        headers: { "user-agent": `sotaocr-js/${VERSION} node/${process.versions.node}`, accept: "*/*" },
        signal: controller.signal,
      });
      const { statusCode: status, headers, body } = response;
      const location = typeof headers.location === "string" ? headers.location : undefined;
      if (status >= 300 && status < 400 && location !== undefined) {
        discard(body);
        if (redirects >= maxRedirects) {
          throw new DownloadError(
            `Cannot download ${source}: it took more than ${maxRedirects} redirects (maxRedirects). Check the URL, or pass the URL it finally serves the file at.`,
            source,
            "redirects",
          );
        }
        current = httpUrl(new URL(location, current).href, source);
        continue;
      }
      if (status < 200 || status >= 300) {
        discard(body);
        throw new DownloadError(
          `Cannot download ${source}: it answered ${status}. Check the URL (and that it needs no login), or download the file and pass its path.`,
          source,
          "status",
          { status },
        );
      }
      const bytes = await readCapped(body, maxBytes, Number(headers["content-length"]), source);
      return { bytes, filename: filenameOf(source), url: current.href };
    }
  } catch (error) {
    if (controller.signal.reason === TIMED_OUT && !options.signal?.aborted) {
      throw new DownloadError(
        `Cannot download ${source}: it did not finish within ${timeoutMs} ms (timeoutMs); the server is slow or stalled. ` +
          "Try again later, raise the download's timeoutMs, or download the file and pass its path.",
        source,
        "timeout",
        { cause: error },
      );
    }
    if (options.signal?.aborted) throw toAbortError(options.signal.reason, undefined);
    if (isSotaOcrError(error)) throw error;
    throw new DownloadError(
      `Cannot download ${source}: ${(error as Error).message}. Check the URL and the network, or download the file and pass its path.`,
      source,
      "connection",
      { cause: error },
    );
  } finally {
    clearTimeout(timer);
    dispose();
  }
}

/** The body, read while it stays within `maxBytes`; past it, the connection is closed and the download refused. */
async function readCapped(body: Dispatcher.ResponseData["body"], maxBytes: number, declared: number, source: string): Promise<Uint8Array> {
  const tooLarge = (what: string) =>
    new DownloadError(
      `Cannot download ${source}: ${what}, over the ${sizeOf(maxBytes)} limit (maxBytes); it was not read on. ` +
        "Raise the download's maxBytes if the file is expected to be this large, or download it and pass its path.",
      source,
      "too_large",
      { limitBytes: maxBytes },
    );
  if (declared > maxBytes) {
    discard(body);
    throw tooLarge(`its Content-Length says ${declared} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    // Returning from the loop destroys the body, which closes the connection mid-answer.
    if (size > maxBytes) throw tooLarge(`its body ran past ${size} bytes`);
    chunks.push(chunk);
  }
  return new Uint8Array(Buffer.concat(chunks, size));
}

/** Drops a body not to be read, closing its connection; its late errors have nowhere else to go. */
function discard(body: Dispatcher.ResponseData["body"]): void {
  body.on("error", () => {});
  body.destroy();
}

function wholeNumber(value: number | undefined, name: string, min: number): number | undefined {
  if (value !== undefined && !(Number.isSafeInteger(value) && value >= min)) {
    throw new SotaOcrError(`${name} must be a whole number ≥ ${min}, not ${JSON.stringify(value)}.`);
  }
  return value;
}

function httpUrl(href: string, source: string): URL {
  const url = URL.canParse(href) ? new URL(href) : undefined;
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw new DownloadError(
      `Cannot download ${source}: ${href === source ? "it is" : `it redirects to ${href}, which is`} not an http(s) URL.`,
      source,
      "url",
    );
  }
  return url;
}

function filenameOf(url: string): string {
  const last = basename(new URL(url).pathname);
  try {
    return decodeURIComponent(last) || "document";
  } catch {
    return last || "document"; // a stray "%" that is not an escape
  }
}
