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
    const onChunk = this.#onChunk;
    return (this.#blob.stream() as ReadableStream<Uint8Array<ArrayBuffer>>).pipeThrough(
      new TransformStream<Uint8Array<ArrayBuffer>, Uint8Array<ArrayBuffer>>({
        transform(chunk, controller) {
          onChunk(chunk.byteLength, false);
          controller.enqueue(chunk);
        },
        flush() {
          onChunk(0, true);
        },
      }),
    );
  }
}

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
