import { createHash } from "node:crypto";
import { toAbortError } from "../errors.js";
import { readError } from "./file-changes.js";
import { PdfPageCounter, rememberPdfPages, startsLikePdf } from "./pdf-pages.js";
import type { PreparedInput } from "./prepare-input.js";

/**
 * Hashes already computed, by Blob. A Blob's bytes never change (one backed by a file refuses to be
 * read once the file changed), so each is read once: `ocrMany` hashes a file to find it given
 * twice, and `ocr` then finds the hash here.
 */
const known = new WeakMap<Blob, string>();

/**
 * The SHA-256 of a Blob's bytes (hex), read as a stream: a file on disk is never held whole.
 * `signal` stops the reading between chunks (a large file takes seconds). A PDF's pages are counted
 * from the same chunks (`pdfPagesOf`), so the file is not read twice.
 */
export async function sha256Hex(blob: Blob, signal?: AbortSignal): Promise<string> {
  const done = known.get(blob);
  if (done !== undefined) return done;
  const hash = createHash("sha256");
  let pages: PdfPageCounter | undefined;
  let first = true;
  for await (const chunk of blob.stream() as unknown as AsyncIterable<Uint8Array>) {
    signal?.throwIfAborted();
    hash.update(chunk);
    if (first && chunk.byteLength > 0) {
      first = false;
      if (startsLikePdf(chunk)) pages = new PdfPageCounter();
    }
    pages?.update(chunk);
  }
  const hex = hash.digest("hex");
  known.set(blob, hex);
  rememberPdfPages(blob, pages?.finish());
  return hex;
}

/**
 * The SHA-256 of an input about to be sent. The caller's abort is an `AbortError`; a failed read
 * an `InvalidInputError` that says why, a `FileChangedError` when the file changed meanwhile.
 */
export async function sha256OfInput(input: PreparedInput, signal?: AbortSignal): Promise<string> {
  try {
    return await sha256Hex(input.blob, signal);
  } catch (cause) {
    if (signal?.aborted) throw toAbortError(signal.reason, undefined);
    throw await readError(input.source, input.origin, cause);
  }
}
