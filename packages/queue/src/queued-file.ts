import { resolve } from "node:path";
import {
  type DownloadOptions,
  downloadUrl,
  type OcrFormat,
  type PageRange,
  type PageRangesInput,
  type PreparedInput,
  pagesToRead,
  prepareInput,
  resolveFormat,
  resolvePageRanges,
  sha256Hex,
} from "@sotaocr/core";
import { QueuedFileChangedError } from "./errors.js";
import type { ResultOptions } from "./job-id.js";

/** A queue job's data: what a worker needs to OCR the file, and the SotaOCR job once it exists. */
export interface OcrJobData {
  /** The file as the producer named it: an absolute path on storage every worker sees, or an http(s) URL. */
  source: string;
  /** The name sent with the upload. */
  filename: string;
  /** Hex SHA-256 of the bytes queued; a worker refuses a file whose bytes differ. */
  sha256: string;
  format: OcrFormat;
  pageRanges?: PageRange[] | undefined;
  modelProfile?: string | undefined;
  /** The SotaOCR job, saved right after the upload: a retried or stalled queue job resumes it. */
  sotaocrJobId?: string | undefined;
}

/** What `add` accepts about a file's result. */
export interface QueueOcrOptions {
  /** Page text format. @default "markdown" */
  format?: OcrFormat | undefined;
  /** Pages to process: `"1-3,5"` or `[{ start: 1, end: 3 }]`. @default every page */
  pageRanges?: PageRangesInput | undefined;
  /** A model profile from the service's `getInfo().modelProfiles`. @default the service's */
  modelProfile?: string | undefined;
}

/** The options checked by the client's own rules, so a bad one fails here with the error `ocr()` would give. */
export function resolveResultOptions(options: QueueOcrOptions): ResultOptions {
  return {
    format: resolveFormat(options.format),
    pageRanges: resolvePageRanges(options.pageRanges),
    modelProfile: options.modelProfile || undefined,
  };
}

export function isUrl(source: string | URL): boolean {
  return source instanceof URL ? /^https?:$/.test(source.protocol) : /^https?:\/\//i.test(source);
}

/** A file `add` read: what its queue job needs, and the pages to read when the client could count them. */
export interface FileToQueue {
  source: string;
  filename: string;
  sha256: string;
  pages: number | undefined;
}

/**
 * A file to queue, read and checked as the client would (type by its bytes), with its SHA-256 and,
 * when the client can tell them from that one read, the pages `pageRanges` ask for (`pagesToRead`).
 */
export async function readForQueue(
  file: string | URL,
  pageRanges: readonly PageRange[] | undefined,
  options: DownloadOptions = {},
): Promise<FileToQueue> {
  const { source, prepared } = await readSource(file, options);
  // Hashing reads the whole file once; the PDF's page objects are counted on that read.
  const sha256 = await sha256Hex(prepared.blob, options.signal);
  return { source, filename: prepared.filename, sha256, pages: pagesToRead(prepared, pageRanges) };
}

/** A URL downloaded (its source the URL), or a path made absolute, prepared as the client would. */
async function readSource(file: string | URL, options: DownloadOptions): Promise<{ source: string; prepared: PreparedInput }> {
  if (isUrl(file)) {
    const url = String(file);
    const { bytes, filename } = await downloadUrl(url, options);
    return { source: url, prepared: await prepareInput(bytes, { filename }) };
  }
  const prepared = await prepareInput(file instanceof URL ? file : resolve(file));
  return { source: prepared.source, prepared };
}

/** The queued file, as a worker opens it to upload: refused if its bytes are not those queued. */
export async function openQueued(data: OcrJobData, options: DownloadOptions = {}): Promise<PreparedInput> {
  const { signal } = options;
  const prepared = isUrl(data.source)
    ? // Bytes are named by their file name; the result names the URL it came from, as the queue does.
      { ...(await prepareInput((await downloadUrl(data.source, options)).bytes, { filename: data.filename })), source: data.source }
    : await prepareInput(data.source);
  const sha256 = await sha256Hex(prepared.blob, signal);
  if (sha256 !== data.sha256) {
    throw new QueuedFileChangedError(
      `${data.source} changed after it was queued (SHA-256 ${sha256.slice(0, 12)}…, queued as ${data.sha256.slice(0, 12)}…): add it to the queue again.`,
    );
  }
  return prepared;
}
