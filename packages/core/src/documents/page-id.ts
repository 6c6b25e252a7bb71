import * as crypto from "node:crypto";
import { formatPageRanges, type PageRange } from "../index.js";

/**
 * A stable id for a page of a file, shared by the LangChain and LlamaIndex integrations: the same
 * bytes and page give the same id on every run and machine, so re-ingesting a file deduplicates.
 * `part` is the page number, or "all…" for a whole-result document. Shaped as a UUID (version-5
 * bits, RFC 4122 variant) because some vector stores accept nothing else.
 */
export function pageId(fileSha256: string, part: number | string): string {
  const hex = sha256Hex(`sotaocr:${fileSha256}:${part}`);
  const variant = ((Number.parseInt(hex[16] as string, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The id of one Document that covers a whole result (`split: "file"`): the file, and which of
 * its pages were processed, so a page-ranged result never shares an id with the whole document.
 */
export function wholeResultId(fileSha256: string, pageRanges: readonly PageRange[] | undefined): string {
  return pageId(fileSha256, pageRanges?.length ? `all:${formatPageRanges(pageRanges)}` : "all");
}

// The one-shot crypto.hash (Node ≥ 20.12) is several times cheaper than createHash for short
// strings, and ids are made per element of a result: tens of thousands at a time.
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: "hex") => string }).hash;
const sha256Hex = oneShot
  ? (text: string) => oneShot("sha256", text, "hex")
  : (text: string) => crypto.createHash("sha256").update(text).digest("hex");
