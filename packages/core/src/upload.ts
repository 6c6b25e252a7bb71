import { File } from "node:buffer";
import { FormData } from "undici";
import type { PreparedInput } from "./input.js";
import type { PageRange } from "./page-ranges.js";

/** Bytes of the file handed to the connection so far; `done` once the last one was. */
export interface UploadProgress {
  bytesSent: number;
  totalBytes: number;
  done: boolean;
}

/**
 * A File whose bytes are counted as the connection pulls them. The counter tells a failed upload
 * that cannot have created a job (the body never fully left) from an ambiguous one, drives the
 * upload's inactivity timeout, and feeds progress bars. undici's multipart encoder reads each
 * part through `stream()`, so the count follows the socket's back-pressure, not a buffer.
 */
class CountedFile extends File {
  readonly #blob: Blob;
  readonly #onChunk: (bytes: number, done: boolean) => void;

  constructor(blob: Blob, name: string, type: string, onChunk: (bytes: number, done: boolean) => void) {
    super([blob], name, { type });
    this.#blob = blob;
    this.#onChunk = onChunk;
  }

  override stream(): ReadableStream<Uint8Array<ArrayBuffer>> {
    const reader = this.#blob.stream().getReader();
    const onChunk = this.#onChunk;
    let current: Uint8Array<ArrayBuffer> | undefined;
    let offset = 0;
    // Pull-based, in small pieces (an in-memory Blob yields one huge chunk): a piece is counted
    // only when the connection asks for it, so "done" means the last piece left for the socket.
    return new ReadableStream<Uint8Array<ArrayBuffer>>(
      {
        async pull(controller) {
          if (!current || offset >= current.byteLength) {
            const next = await reader.read();
            if (next.done) {
              onChunk(0, true);
              controller.close();
              return;
            }
            current = next.value as Uint8Array<ArrayBuffer>;
            offset = 0;
          }
          const piece = current.subarray(offset, offset + PIECE_BYTES);
          offset += piece.byteLength;
          onChunk(piece.byteLength, false);
          controller.enqueue(piece);
        },
        cancel: (reason) => reader.cancel(reason),
      },
      { highWaterMark: 0 },
    );
  }
}

const PIECE_BYTES = 64 * 1024;

export interface ExtractFields {
  pageRanges?: readonly PageRange[] | undefined;
  modelProfile?: string | undefined;
}

/**
 * The multipart body of `POST /v1/extract` for one attempt: field `file`, plus `page_ranges` as a
 * JSON string and `model_profile` when given. `onChunk` runs as the file's bytes are sent.
 */
export function extractForm(
  input: PreparedInput,
  fields: ExtractFields,
  onChunk: (progress: UploadProgress) => void,
): { form: FormData; progress: UploadProgress } {
  const progress: UploadProgress = { bytesSent: 0, totalBytes: input.size, done: false };
  const form = new FormData();
  form.append(
    "file",
    new CountedFile(input.blob, input.filename, input.contentType, (bytes, done) => {
      progress.bytesSent += bytes;
      progress.done ||= done;
      onChunk(progress);
    }),
  );
  if (fields.pageRanges) form.append("page_ranges", JSON.stringify(fields.pageRanges.map(({ start, end }) => ({ start, end }))));
  if (fields.modelProfile) form.append("model_profile", fields.modelProfile);
  return { form, progress };
}
