import type { PageRange } from "../options/page-ranges.js";
import type { SupportedFileType } from "./file-type.js";
import type { PreparedInput } from "./prepare-input.js";

// How many pages an upload holds, told cheaply on the client, so the first look at its job can aim
// at its likely end before the server says its page count (the upload's answer says 0:
// docs/api-contract.md). A hint for that first look only; a status poll's count is the truth.

/**
 * A page object as written uncompressed: `/Type /Page` (any whitespace, or none, between), not
 * `/Pages` nor another longer name. Whitespace is bounded so a match always fits in `CARRY` bytes.
 */
const PAGE_OBJECT = /\/Type\s{0,16}\/Page(?![A-Za-z0-9#_.-])/g;
/** Object streams hide objects in compressed bytes: then the count seen is not the count. */
const OBJECT_STREAM = /\/Type\s{0,16}\/ObjStm(?![A-Za-z0-9#_.-])/g;
/** Bytes kept from one chunk to the next: longer than any match plus the byte after it. */
const CARRY = 64;

/**
 * Counts a PDF's page objects as its bytes stream past (`sha256Hex` feeds it the chunks it hashes,
 * so the file is read once). A match is counted once its start lies more than `CARRY` bytes before
 * the end of what has been seen, so one cut by a chunk boundary, or `/Page` cut from its `s`, is
 * judged whole. Limit: a PDF whose page objects are compressed (object streams, PDF 1.5+) or that
 * shows none gives no count, and one updated incrementally may count a rewritten page twice; the
 * hint only times a first look, so a wrong one costs at most an interval.
 */
export class PdfPageCounter {
  #carry = "";
  #pages = 0;
  #compressed = false;

  update(chunk: Uint8Array): void {
    const text = this.#carry + Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString("latin1");
    this.#scan(text, text.length - CARRY);
    this.#carry = text.slice(Math.max(0, text.length - CARRY));
  }

  /** The page count once every byte was seen; undefined when it cannot be told. */
  finish(): number | undefined {
    this.#scan(this.#carry, this.#carry.length);
    this.#carry = "";
    return this.#compressed || this.#pages === 0 ? undefined : this.#pages;
  }

  /** Counts the matches in `text` that start before `before` (the rest are carried). */
  #scan(text: string, before: number): void {
    for (const match of text.matchAll(PAGE_OBJECT)) if (match.index < before) this.#pages++;
    for (const match of text.matchAll(OBJECT_STREAM)) if (match.index < before) this.#compressed = true;
  }
}

/** Whether bytes begin like a PDF (the counter runs only then). */
export const startsLikePdf = (chunk: Uint8Array): boolean =>
  Buffer.from(chunk.buffer, chunk.byteOffset, Math.min(5, chunk.byteLength)).toString("latin1") === "%PDF-";

/** Page counts found while hashing, by Blob (see `sha256Hex`). */
const counted = new WeakMap<Blob, number>();

export function rememberPdfPages(blob: Blob, pages: number | undefined): void {
  if (pages !== undefined) counted.set(blob, pages);
}

/** The page count of a PDF Blob already hashed, when its page objects could be counted. */
export const pdfPagesOf = (blob: Blob): number | undefined => counted.get(blob);

/**
 * The pages an upload asks to read: 1 for an image; for a PDF its count, or as many as `pageRanges`
 * select (clipped to the count when known); undefined when unknown or none selected.
 */
export function pageHint(
  fileType: SupportedFileType,
  pdfPages: number | undefined,
  pageRanges: readonly PageRange[] | undefined,
): number | undefined {
  const total = fileType === "pdf" ? pdfPages : 1;
  if (!pageRanges) return total;
  const selected = new Set<number>();
  for (const { start, end } of pageRanges) {
    const last = total === undefined ? end : Math.min(end, total);
    for (let page = start; page <= last && selected.size <= MAX_HINT; page++) selected.add(page);
  }
  return selected.size > 0 ? selected.size : undefined;
}

/**
 * The pages an upload of `input` would ask the service to read, when the client can tell: an
 * image's one; a PDF's page objects as counted while `sha256Hex` read it (undefined before that,
 * or when they are compressed); narrowed by `pageRanges`. A hint, not the service's count.
 */
export function pagesToRead(input: PreparedInput, pageRanges?: readonly PageRange[]): number | undefined {
  return pageHint(input.fileType, pdfPagesOf(input.blob), pageRanges);
}

/** Beyond this many pages the hint makes no difference to a first look (it comes within an interval). */
const MAX_HINT = 10_000;
