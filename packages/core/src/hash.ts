import { createHash } from "node:crypto";

/** The SHA-256 of a Blob's bytes (hex), read as a stream: a file on disk is never held whole. */
export async function sha256Hex(blob: Blob): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of blob.stream() as unknown as AsyncIterable<Uint8Array>) hash.update(chunk);
  return hash.digest("hex");
}
