import { createHash } from "node:crypto";
import { JPEG_HEAD, makePdf, PNG_HEAD } from "@sotaocr/test-support";

/** One document of the chaos corpus. */
export interface CorpusDocument {
  /** File name (unique), also the source the loader and reader report for it. */
  name: string;
  bytes: Uint8Array;
  sha256: string;
  /** Pages the synthetic engine finds in it. */
  pages: number;
  /** Listed in the emulator's `faults.failFiles`: its job always fails with `ocr_failed`. */
  fails: boolean;
  /** How it is handed over: a path on disk, bytes, or a Blob. */
  via: "path" | "bytes" | "blob";
  /** Which integration loads it. */
  through: "loader" | "reader";
}

/** Documents that always fail (two per integration). */
const FAILING = new Set([4, 11, 30, 37]);

/**
 * 56 distinct documents, the same on every call: PDFs of 1 to 5 pages, and every seventh a PNG or
 * JPEG (one page; the synthetic engine never decodes images, so a header and a label suffice).
 * Even positions go through SotaOcrLoader, odd ones through SotaOcrReader.
 */
export function corpus(count = 56): CorpusDocument[] {
  return Array.from({ length: count }, (_, i) => {
    const label = `chaos document ${i}`;
    let bytes: Uint8Array;
    let name: string;
    let pages: number;
    if (i % 7 === 6) {
      const head = i % 14 === 6 ? PNG_HEAD : JPEG_HEAD;
      bytes = new Uint8Array(Buffer.concat([head, Buffer.from(label)]));
      name = `doc-${String(i).padStart(2, "0")}.${head === PNG_HEAD ? "png" : "jpg"}`;
      pages = 1;
    } else {
      pages = 1 + (i % 5);
      bytes = makePdf(Array.from({ length: pages }, (_, page) => `${label}, page ${page + 1}`));
      name = `doc-${String(i).padStart(2, "0")}.pdf`;
    }
    return {
      name,
      bytes,
      sha256: createHash("sha256").update(bytes).digest("hex"),
      pages,
      fails: FAILING.has(i),
      via: (["path", "bytes", "blob"] as const)[i % 3] as CorpusDocument["via"],
      through: i % 2 === 0 ? "loader" : "reader",
    };
  });
}
