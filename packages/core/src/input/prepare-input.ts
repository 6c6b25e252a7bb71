import { openAsBlob } from "node:fs";
import { stat } from "node:fs/promises";
import { basename, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { InvalidInputError, UnsupportedFileError } from "../errors.js";
import { type FileOrigin, fileOrigin, readError } from "./file-changes.js";
import {
  CONTENT_TYPES,
  EXTENSIONS,
  hasPdfEnd,
  PDF_END_WINDOW_BYTES,
  SNIFF_BYTES,
  type SupportedFileType,
  sniffFileType,
} from "./file-type.js";

/**
 * What `extract` and `ocr` accept: a path, a `file:` URL, bytes, or a Blob/File.
 * A path or URL is streamed from disk, never read whole.
 */
export type OcrInput = string | URL | Uint8Array | ArrayBuffer | Blob;

/** An input checked and ready to upload (see {@link prepareInput}). */
export interface PreparedInput {
  /** The bytes to send; for a path, a lazily read view of the file. */
  blob: Blob;
  /** The name sent with the upload: the file's base name, the File's name, or `document.<ext>`. */
  filename: string;
  /** The path exactly as given, the File's name, or `filename` for bytes: for messages and metadata. */
  source: string;
  fileType: SupportedFileType;
  contentType: string;
  /** Size in bytes. */
  size: number;
  /** For a path: the file as it was when opened, to tell when it changes while it is read. */
  origin?: FileOrigin | undefined;
}

/**
 * Checks an input before anything is sent: that it exists, is a non-empty readable file, and is a
 * complete PDF, a PNG or a JPEG (by its bytes, not its name). Throws `InvalidInputError` or
 * `UnsupportedFileError` saying what to do.
 */
export async function prepareInput(input: OcrInput, options: { filename?: string } = {}): Promise<PreparedInput> {
  const { blob, source, defaultName, origin } = await openInput(input, options.filename);
  if (blob.size === 0) {
    throw new InvalidInputError(
      `${source} is empty (0 bytes): nothing to OCR. Check that it was fully written or downloaded.`,
      "empty",
      source,
    );
  }
  const head = await readSlice(blob, 0, SNIFF_BYTES, source, origin);
  const sniffed = sniffFileType(head);
  if ("unsupported" in sniffed) {
    throw new UnsupportedFileError(
      `${source} looks like ${sniffed.unsupported}, not a PDF, PNG or JPEG. SotaOCR reads only those: convert the file (e.g. to PDF) first.`,
      source,
      sniffed.unsupported,
    );
  }
  const fileType = sniffed.supported;
  if (fileType === "pdf" && !hasPdfEnd(await readSlice(blob, Math.max(0, blob.size - PDF_END_WINDOW_BYTES), blob.size, source, origin))) {
    throw new UnsupportedFileError(
      `${source} is a truncated PDF (no %%EOF marker in its last MiB): it was probably cut off while downloading or copying. Get a complete copy and try again.`,
      source,
      "pdf",
      "truncated",
    );
  }
  const filename = defaultName ?? `document.${EXTENSIONS[fileType]}`;
  return { blob, filename, source, fileType, contentType: CONTENT_TYPES[fileType], size: blob.size, origin };
}

/** How an input is named in messages and metadata: the path as given, the File's name, or "bytes"/"blob". */
export function sourceOf(input: OcrInput | PreparedInput, filename?: string): string {
  if (typeof input === "string") return input;
  if (input instanceof URL) return input.href;
  if (isPreparedInput(input)) return input.source;
  if (filename) return filename;
  if (input instanceof File && input.name) return input.name;
  return input instanceof Blob ? "blob" : "bytes";
}

/** True for the result of `prepareInput`. */
export function isPreparedInput(input: unknown): input is PreparedInput {
  return typeof input === "object" && input !== null && !(input instanceof Blob) && "blob" in input && "fileType" in input;
}

async function openInput(
  input: OcrInput,
  filename: string | undefined,
): Promise<{ blob: Blob; source: string; defaultName: string | undefined; origin?: FileOrigin }> {
  if (typeof input === "string" || input instanceof URL) {
    const path = toPath(input);
    const source = typeof input === "string" ? input : input.href;
    return { ...(await openFile(path, source)), source, defaultName: filename ?? basename(path) };
  }
  if (input instanceof Blob) {
    const name = filename ?? (input instanceof File && input.name ? input.name : undefined);
    return { blob: input, source: name ?? "blob", defaultName: name };
  }
  if (input instanceof ArrayBuffer || ArrayBuffer.isView(input)) {
    const bytes = input instanceof ArrayBuffer ? new Uint8Array(input) : new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
    return { blob: new Blob([bytes]), source: filename ?? "bytes", defaultName: filename };
  }
  throw new InvalidInputError(
    `Unsupported input of type ${describe(input)}: pass a file path, a file: URL, a Uint8Array/Buffer/ArrayBuffer, or a Blob/File.`,
    "invalid_type",
  );
}

function toPath(input: string | URL): string {
  if (input instanceof URL || input.startsWith("file:")) {
    try {
      return fileURLToPath(input);
    } catch (cause) {
      throw new InvalidInputError(`${String(input)} is not a local file: URL. Pass a path or a file: URL.`, "invalid_type", String(input), {
        cause,
      });
    }
  }
  return input;
}

async function openFile(path: string, source: string): Promise<{ blob: Blob; origin: FileOrigin }> {
  const stats = await stat(path, { bigint: true }).catch((cause: NodeJS.ErrnoException) => {
    throw fileError(cause, source, path);
  });
  if (stats.isDirectory()) {
    throw new InvalidInputError(
      `${source} is a directory, not a file. Pass the files inside it, or use a directory loader (LangChain's DirectoryLoader, LlamaIndex's SimpleDirectoryReader).`,
      "is_directory",
      source,
    );
  }
  if (!stats.isFile()) {
    throw new InvalidInputError(
      `${source} is not a regular file (a FIFO, socket or device): pass a file on disk, or read the data yourself and pass the bytes.`,
      "unreadable",
      source,
    );
  }
  const blob = await openAsBlob(path).catch((cause: NodeJS.ErrnoException) => {
    throw fileError(cause, source, path);
  });
  return { blob, origin: fileOrigin(path, stats) };
}

async function readSlice(blob: Blob, start: number, end: number, source: string, origin: FileOrigin | undefined): Promise<Uint8Array> {
  try {
    return new Uint8Array(await blob.slice(start, end).arrayBuffer());
  } catch (cause) {
    throw await readError(source, origin, cause);
  }
}

function fileError(cause: NodeJS.ErrnoException, source: string, path?: string): InvalidInputError {
  if (cause.code === "ENOENT" || cause.code === "ENOTDIR") {
    const where = path ? ` (looked for ${resolve(path)})` : "";
    return new InvalidInputError(`File not found: ${source}${where}. Check the path and the working directory.`, "not_found", source, {
      cause,
    });
  }
  if (cause.code === "EACCES" || cause.code === "EPERM") {
    return new InvalidInputError(`Cannot read ${source}: permission denied. Check the file's permissions.`, "unreadable", source, {
      cause,
    });
  }
  return new InvalidInputError(`Cannot read ${source}: ${cause.message}.`, "unreadable", source, { cause });
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") return value.constructor?.name ?? "object";
  return typeof value;
}
