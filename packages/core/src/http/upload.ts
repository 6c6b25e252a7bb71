import { randomBytes } from "node:crypto";
import { assertUnchanged, readError } from "../input/file-changes.js";
import type { PreparedInput } from "../input/prepare-input.js";

/** Bytes of the file handed to the connection so far; `done` once the last one was. */
export interface UploadProgress {
  bytesSent: number;
  totalBytes: number;
  done: boolean;
}

/** Largest piece handed to the socket at once: an in-memory Blob yields its bytes as one chunk. */
const PIECE_BYTES = 64 * 1024;
/**
 * Reads of the file kept in flight ahead of the socket (Node reads a file-backed Blob 64 KiB at a
 * time): the disk and the connection then work side by side. Memory stays bounded: 4 × 64 KiB.
 */
const READ_AHEAD = 4;

/**
 * The `multipart/form-data` body of one upload attempt, written by hand rather than through
 * undici's `FormData`: undici copies every chunk of a FormData body through two more web streams,
 * which cost twice the CPU per byte and capped uploads near 190 MiB/s where this sends 300+
 * (docs/benchmarks.md, upload-memory). Its length is known, so it goes with a `Content-Length`
 * (the server can refuse an oversized file before reading it).
 *
 * The file's bytes are counted as the connection pulls them (undici asks for the next chunk once it
 * wrote the previous one), which tells a failed upload that cannot have created a job (the body
 * never fully left) from an ambiguous one, drives the upload's inactivity timeout, and feeds
 * progress bars.
 */
export class MultipartBody implements AsyncIterable<Uint8Array> {
  /** The `Content-Type` header, with the boundary. */
  readonly contentType: string;
  /** Bytes in all: the `Content-Length` header. */
  readonly length: number;
  readonly #parts: (Uint8Array | FilePart)[];

  constructor(fields: readonly (readonly [name: string, value: string])[], file: FilePart) {
    const boundary = `----sotaocr-${randomBytes(12).toString("hex")}`;
    const encoder = new TextEncoder();
    const fieldParts = fields.map(([name, value]) =>
      encoder.encode(`--${boundary}\r\nContent-Disposition: form-data; name="${escapeQuoted(name)}"\r\n\r\n${value}\r\n`),
    );
    const fileHead = encoder.encode(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${escapeQuoted(file.filename)}"\r\n` +
        `Content-Type: ${file.contentType}\r\n\r\n`,
    );
    this.contentType = `multipart/form-data; boundary=${boundary}`;
    // The file first, then the fields, then the closing boundary (the order undici's FormData used).
    this.#parts = [fileHead, file, encoder.encode("\r\n"), ...fieldParts, encoder.encode(`--${boundary}--\r\n`)];
    this.length = this.#parts.reduce((total, part) => total + (part instanceof Uint8Array ? part.byteLength : part.blob.size), 0);
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    for (const part of this.#parts) {
      if (part instanceof Uint8Array) yield part;
      else yield* streamFile(part);
    }
  }
}

/** The `file` part: its bytes, and who is told as they leave. */
interface FilePart {
  blob: Blob;
  filename: string;
  contentType: string;
  onChunk: (bytes: number, done: boolean) => void;
  /** The error to end the body with when a read of the file fails. */
  readError: (cause: unknown) => Promise<Error>;
  /** Throws when the file changed while it was read, before the body's end leaves. */
  assertUnchanged: () => Promise<void>;
}

type ReadResult = { done: true; value?: undefined } | { done: false; value: Uint8Array };

/**
 * The file's bytes in pieces of at most `PIECE_BYTES`, reading ahead of the consumer. A piece is
 * counted when the consumer asks for it, and "done" when it asks for what follows the last one:
 * the last piece was then handed to the socket. A file that changes ends the body before its
 * closing boundary, so the server never takes the cut-off upload for a whole one.
 */
async function* streamFile(part: FilePart): AsyncGenerator<Uint8Array> {
  const reader = (part.blob.stream() as ReadableStream<Uint8Array>).getReader() as { read(): Promise<ReadResult>; cancel(): Promise<void> };
  const ahead: Promise<ReadResult>[] = [];
  const refill = () => {
    while (ahead.length < READ_AHEAD) {
      const read = reader.read();
      // Once one read fails the ones behind it fail too, and are never awaited: handled here, or
      // each would be an unhandled rejection that ends the process.
      read.catch(() => undefined);
      ahead.push(read);
    }
  };
  try {
    for (;;) {
      refill();
      let next: ReadResult;
      try {
        next = await (ahead.shift() as Promise<ReadResult>);
      } catch (cause) {
        throw await part.readError(cause);
      }
      if (next.done) {
        // A file deleted or replaced while its open handle kept reading reads to its end unharmed.
        await part.assertUnchanged();
        break;
      }
      const chunk = next.value;
      for (let offset = 0; offset < chunk.byteLength; offset += PIECE_BYTES) {
        const piece = chunk.subarray(offset, offset + PIECE_BYTES);
        part.onChunk(piece.byteLength, false);
        yield piece;
      }
    }
    part.onChunk(0, true);
  } finally {
    // Stops reading when the request ends early (an abort, a lost connection).
    ahead.length = 0;
    await reader.cancel().catch(() => undefined);
  }
}

/** Quotes in a multipart header's name or filename, escaped as browsers do. */
function escapeQuoted(text: string): string {
  return text.replace(/\r/g, "%0D").replace(/\n/g, "%0A").replace(/"/g, "%22");
}

/**
 * The multipart body of one upload attempt: part `file`, then the text `fields` (named as the API
 * names them: see api/endpoints.ts). `onChunk` runs as the file's bytes are sent.
 */
export function uploadForm(
  input: PreparedInput,
  fields: readonly (readonly [name: string, value: string])[],
  onChunk: (progress: UploadProgress) => void,
): { form: MultipartBody; progress: UploadProgress } {
  const progress: UploadProgress = { bytesSent: 0, totalBytes: input.size, done: false };
  const form = new MultipartBody(fields, {
    blob: input.blob,
    filename: input.filename,
    contentType: input.contentType,
    onChunk: (bytes, done) => {
      progress.bytesSent += bytes;
      progress.done ||= done;
      onChunk(progress);
    },
    readError: (cause) => readError(input.source, input.origin, cause),
    assertUnchanged: () => assertUnchanged(input.source, input.origin),
  });
  return { form, progress };
}
