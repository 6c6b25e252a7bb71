import * as crypto from "node:crypto";
import { formatPageRanges, type PageRange } from "../index.js";

/**
 * A stable id for a page of a file, shared by the LangChain and LlamaIndex integrations: the same
 * bytes and page give the same id on every run and machine, so re-ingesting a file deduplicates.
 * `part` is the page number, or "all…" for a whole-result document. Shaped as a UUID (version-5
 * bits, RFC 4122 variant) because some vector stores accept nothing else.
 */
export function pageId(fileSha256: string, part: number | string): string {
  return uuidOf(sha256Hex(`sotaocr:${fileSha256}:${part}`));
}

const DASH = 0x2d;
const UUID = Buffer.alloc(36);

/**
 * `xxxxxxxx-xxxx-5xxx-Vxxx-xxxxxxxxxxxx` from the first 32 hex digits (V: the variant bits). Written
 * into one buffer and read out as one flat string: ids are made per element, and slicing and
 * joining made nine strings for each.
 */
function uuidOf(hex: string): string {
  let at = 0;
  const copy = (from: number, to: number) => {
    for (let i = from; i < to; i++) UUID[at++] = hex.charCodeAt(i);
  };
  copy(0, 8);
  UUID[at++] = DASH;
  copy(8, 12);
  UUID[at++] = DASH;
  UUID[at++] = 0x35; // "5": version 5
  copy(13, 16);
  UUID[at++] = DASH;
  UUID[at++] = HEX_DIGITS.charCodeAt((Number.parseInt(hex[16] as string, 16) & 0x3) | 0x8);
  copy(17, 20);
  UUID[at++] = DASH;
  copy(20, 32);
  return UUID.toString("latin1", 0, 36);
}

const HEX_DIGITS = "0123456789abcdef";

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
