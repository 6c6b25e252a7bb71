import { createHash, randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import type { IncomingMessage } from "node:http";
import { join } from "node:path";
import type { Readable } from "node:stream";
import busboy from "busboy";
import type { EngineFileType } from "./engine.js";
import { SNIFF_BYTES, sniffFileType } from "./file-type.js";
import { ApiError } from "./http.js";

/** A file part stored on disk. */
export interface ReceivedFile {
  /** Where it was stored; the caller moves or deletes it. */
  path: string;
  sha256: string;
  bytes: number;
  /** Recognised by its first bytes; undefined when not a PDF, PNG or JPEG. */
  fileType: EngineFileType | undefined;
}

export interface ReceivedUpload {
  /** The `file` part, if there was one. */
  file: ReceivedFile | undefined;
  /** Text fields (first value of each name). */
  fields: Map<string, string>;
}

export interface ReceiveOptions {
  /** Directory the file is written to. */
  dir: string;
  /** Largest file accepted, in bytes. */
  maxFileBytes: number;
}

/** Bytes read and thrown away past the limit before giving up on a too-large upload and closing the connection. */
const DRAIN_LIMIT = 16 * 1024 * 1024;
/** Room for the multipart envelope and small fields when comparing a body's size with the file limit. */
export const MULTIPART_SLACK_BYTES = 64 * 1024;
/** Limit of a text field: page ranges and a profile name are short. */
const MAX_FIELD_BYTES = 64 * 1024;

/**
 * Reads a `multipart/form-data` upload, streaming the `file` part to disk while hashing and
 * counting it: memory stays bounded whatever the file's size. Throws 400 `invalid_multipart` for a
 * body that is not well-formed multipart, 413 `file_too_large` past `maxFileBytes` (after reading
 * and discarding a bounded rest, so the client gets the answer; beyond that the connection closes).
 * The whole body is bounded too, whatever its parts are called: a huge part other than `file` (or
 * a second file) is not read forever.
 */
export function receiveUpload(req: IncomingMessage, options: ReceiveOptions): Promise<ReceivedUpload> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: req.headers,
        limits: { fieldSize: MAX_FIELD_BYTES, fields: 20, files: 5, parts: 30, fieldNameSize: 200 },
      });
    } catch (error) {
      reject(
        new ApiError(
          400,
          "invalid_multipart",
          `The body must be multipart/form-data with a boundary (${(error as Error).message}). Send the document as the "file" part.`,
        ),
      );
      return;
    }

    const fields = new Map<string, string>();
    let stored: Promise<ReceivedFile> | undefined;
    let fileStream: Readable | undefined;
    let tempPath: string | undefined;
    let failure: ApiError | undefined;
    let settled = false;

    const maxBodyBytes = options.maxFileBytes + MULTIPART_SLACK_BYTES + DRAIN_LIMIT;
    let bodyBytes = 0;
    const countBody = (chunk: Buffer) => {
      bodyBytes += chunk.byteLength;
      if (bodyBytes > maxBodyBytes) {
        fail(
          new ApiError(
            413,
            "file_too_large",
            `The upload is larger than this server accepts (${options.maxFileBytes} bytes for the file, plus a small form).`,
            { connection: "close" },
          ),
        );
      }
    };

    const fail = (error: ApiError) => {
      if (settled) return;
      settled = true;
      failure = error;
      req.off("data", countBody);
      req.unpipe(parser);
      fileStream?.destroy();
      void cleanup().then(() => reject(error));
    };
    // The file promise settles once the file is closed, so removing it afterwards leaves nothing behind.
    const cleanup = async () => {
      if (!tempPath) return;
      await stored?.catch(() => undefined);
      await rm(tempPath, { force: true }).catch(() => undefined);
    };

    parser.on("file", (name: string, stream: Readable) => {
      if (name !== "file" || stored || failure) {
        stream.resume();
        return;
      }
      fileStream = stream;
      tempPath = join(options.dir, `upload-${randomBytes(8).toString("hex")}.part`);
      stored = storeFile(stream, tempPath, options.maxFileBytes, (error) => fail(error));
      stored.catch(() => undefined);
    });
    parser.on("field", (name: string, value: string, info: busboy.FieldInfo) => {
      if (info.valueTruncated) {
        fail(new ApiError(400, name === "page_ranges" ? "invalid_page_ranges" : "invalid_multipart", `Field "${name}" is too long.`));
        return;
      }
      if (!fields.has(name)) fields.set(name, value);
    });
    parser.on("error", (error: Error) => {
      fail(new ApiError(400, "invalid_multipart", `The multipart body is malformed (${error.message}).`));
    });
    parser.on("close", () => {
      if (settled) return;
      const file = stored;
      if (!file) {
        settled = true;
        resolve({ file: undefined, fields });
        return;
      }
      file.then(
        (received) => {
          if (settled) return;
          settled = true;
          resolve({ file: received, fields });
        },
        (error: unknown) => fail(error instanceof ApiError ? error : new ApiError(500, "internal_error", "Could not store the upload.")),
      );
    });
    req.on("error", () => fail(new ApiError(400, "invalid_multipart", "The upload was interrupted.")));
    req.on("aborted", () => fail(new ApiError(400, "invalid_multipart", "The upload was interrupted.")));
    req.on("data", countBody);
    req.pipe(parser);
  });
}

/**
 * Writes a file part to `path`, hashing and counting it, with back-pressure. Past `maxBytes` it
 * stops writing and discards the rest; when the discarded rest itself grows past a bound it calls
 * `abort` (the caller then gives up on the body). Settles only once the file is closed on disk.
 */
function storeFile(stream: Readable, path: string, maxBytes: number, abort: (error: ApiError) => void): Promise<ReceivedFile> {
  return new Promise((resolve, reject) => {
    const hash = createHash("sha256");
    const out = createWriteStream(path);
    const head: Buffer[] = [];
    let headBytes = 0;
    let bytes = 0;
    let tooLarge = false;
    let done = false;
    const settle = (outcome: () => void) => {
      if (done) return;
      done = true;
      if (out.closed) outcome();
      else out.once("close", outcome);
    };
    const tooLargeError = () =>
      new ApiError(
        413,
        "file_too_large",
        `The file is larger than this server accepts (${maxBytes} bytes). Split it, or raise maxUploadBytes / --max-upload-mb.`,
        { connection: "close" },
      );

    stream.on("data", (chunk: Buffer) => {
      bytes += chunk.byteLength;
      if (tooLarge) {
        if (bytes > maxBytes + DRAIN_LIMIT) {
          stream.pause();
          const error = tooLargeError();
          settle(() => reject(error));
          abort(error);
        }
        return;
      }
      if (bytes > maxBytes) {
        tooLarge = true;
        out.destroy();
        return;
      }
      hash.update(chunk);
      if (headBytes < SNIFF_BYTES) {
        head.push(chunk.subarray(0, SNIFF_BYTES - headBytes));
        headBytes += Math.min(chunk.byteLength, SNIFF_BYTES - headBytes);
      }
      if (!out.write(chunk)) {
        stream.pause();
        out.once("drain", () => stream.resume());
      }
    });
    stream.on("end", () => {
      if (tooLarge) {
        settle(() => reject(tooLargeError()));
        return;
      }
      out.end();
      settle(() =>
        resolve({ path, sha256: hash.digest("hex"), bytes, fileType: bytes > 0 ? sniffFileType(Buffer.concat(head)) : undefined }),
      );
    });
    stream.on("error", (error) => {
      out.destroy();
      settle(() => reject(new ApiError(400, "invalid_multipart", `The file part could not be read (${error.message}).`)));
    });
    stream.on("close", () => {
      // Closed without an end or an error: the body was cut off.
      if (stream.readableEnded || done) return;
      out.destroy();
      settle(() => reject(new ApiError(400, "invalid_multipart", "The file part ended early.")));
    });
    out.on("error", (error) => {
      if (tooLarge) return;
      stream.resume();
      settle(() => reject(new ApiError(500, "internal_error", `Could not store the upload (${error.message}).`)));
    });
  });
}
