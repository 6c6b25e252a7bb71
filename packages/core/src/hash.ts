import { createHash } from "node:crypto";

/**
 * The SHA-256 of a Blob's bytes (hex), read as a stream: a file on disk is never held whole.
 * `signal` stops the reading between chunks (a large file takes seconds).
 */
export async function sha256Hex(blob: Blob, signal?: AbortSignal): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of blob.stream() as unknown as AsyncIterable<Uint8Array>) {
    signal?.throwIfAborted();
    hash.update(chunk);
  }
  return hash.digest("hex");
}
