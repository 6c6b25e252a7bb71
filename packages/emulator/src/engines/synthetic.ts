import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { setTimeout as delay } from "node:timers/promises";
import { constants, inflateSync } from "node:zlib";
import { type Engine, type EngineDocument, type EngineFileType, EngineInputError, type EnginePage } from "../engine.js";
import { syntheticPage, syntheticPreview } from "./synthetic-page.js";

export { syntheticPage } from "./synthetic-page.js";

export interface SyntheticEngineOptions {
  /** Time each page takes, in ms (a timer, not CPU). @default 50 */
  msPerPage?: number | undefined;
  /** Pages of every document, instead of counting a PDF's `/Type /Page` objects. */
  pageCount?: number | undefined;
}

/**
 * An engine that reads nothing: each page gets a deterministic structured page derived from the
 * file's SHA-256 and the page number (see `syntheticPage`: header, title `Page N`, paragraphs, a
 * heading, a table on even pages, footer, page number), after `msPerPage` of waiting; its preview
 * shows the blocks' boxes.
 * Pages: 1 for an image; for a PDF, its `/Type /Page` objects counted while streaming the file
 * (at least 1). A PDF without `%%EOF` is `invalid_pdf`, one with `/Encrypt` is `encrypted_pdf`.
 */
export function createSyntheticEngine(options: SyntheticEngineOptions = {}): Engine {
  const msPerPage = options.msPerPage ?? 50;
  return {
    name: "synthetic",
    pageConcurrency: 1,
    async open(path: string, fileType: EngineFileType, signal?: AbortSignal): Promise<EngineDocument> {
      const scan = await scanFile(path, fileType, signal);
      if (fileType === "pdf" && !scan.hasEof) {
        throw new EngineInputError("invalid_pdf", "The PDF is damaged or truncated: it has no %%EOF marker.");
      }
      if (fileType === "pdf" && scan.encrypted) {
        throw new EngineInputError("encrypted_pdf", "The PDF is encrypted: remove its password and upload it again.");
      }
      const pageCount = options.pageCount ?? (fileType === "pdf" ? Math.max(1, scan.pages) : 1);
      return {
        pageCount,
        async readPage(pageNumber: number, pageSignal?: AbortSignal): Promise<EnginePage> {
          if (!Number.isInteger(pageNumber) || pageNumber < 1 || pageNumber > pageCount) {
            throw new RangeError(`Page ${pageNumber} is not in this ${pageCount}-page document.`);
          }
          await delay(msPerPage, undefined, { signal: pageSignal }).catch((error: unknown) => {
            throw pageSignal?.aborted ? pageSignal.reason : error;
          });
          return syntheticPage(scan.sha256, pageNumber);
        },
        async previewPage(pageNumber: number): Promise<Uint8Array> {
          if (!Number.isInteger(pageNumber) || pageNumber < 1 || pageNumber > pageCount) {
            throw new RangeError(`Page ${pageNumber} is not in this ${pageCount}-page document.`);
          }
          return syntheticPreview(syntheticPage(scan.sha256, pageNumber));
        },
        async close() {},
      };
    },
    async close() {},
  };
}

interface Scan {
  sha256: string;
  /** `/Type /Page` objects (not `/Pages`). */
  pages: number;
  hasEof: boolean;
  encrypted: boolean;
}

const PAGE_OBJECT = /\/Type\s{0,16}\/Page(?![A-Za-z0-9])/g;
/** Longer than any match of the patterns, so a match split across chunks is found in the next round. */
const CARRY = 64;

/** Streams the file once: its SHA-256, and for a PDF its page objects, `%%EOF` and `/Encrypt`. */
export async function scanFile(path: string, fileType: EngineFileType, signal?: AbortSignal): Promise<Scan> {
  const hash = createHash("sha256");
  const pdf = fileType === "pdf" ? new PdfScanner() : undefined;
  for await (const chunk of createReadStream(path, { signal })) {
    hash.update(chunk as Buffer);
    pdf?.push(chunk as Buffer);
  }
  const result = pdf?.end() ?? { pages: 0, hasEof: false, encrypted: false };
  return { sha256: hash.digest("hex"), ...result };
}

/** Largest object stream inflated to look for pages in it. */
const MAX_OBJECT_STREAM_BYTES = 64 * 1024 * 1024;
/** Text kept before a `stream` keyword to read the stream's dictionary. */
const DICT_WINDOW = 2048;
const STREAM_START = /(?<!end)stream\r?\n/;

/**
 * Finds what the synthetic engine needs in a PDF without parsing it, chunk by chunk: page objects
 * in the file's text and inside compressed object streams (`/Type /ObjStm`, FlateDecode: how
 * PDF 1.5+ writers such as pdf-lib store them), `%%EOF`, and `/Encrypt`. Other streams are skipped.
 */
export class PdfScanner {
  readonly #pages = new PageObjectCounter();
  #compressedPages = 0;
  #hasEof = false;
  #encrypted = false;
  /** Unprocessed text (latin1). */
  #buffer = "";
  /** The end of the text outside streams, for the dictionary of the next stream. */
  #recent = "";
  /** Inside a stream: its captured data (object streams only), or null when skipped. */
  #stream: { data: string[]; bytes: number } | null | undefined;

  push(chunk: Buffer): void {
    this.#buffer += chunk.toString("latin1");
    this.#drain(false);
  }

  end(): { pages: number; hasEof: boolean; encrypted: boolean } {
    this.#drain(true);
    return { pages: this.#pages.end() + this.#compressedPages, hasEof: this.#hasEof, encrypted: this.#encrypted };
  }

  #drain(final: boolean): void {
    for (;;) {
      if (this.#stream === undefined) {
        const match = STREAM_START.exec(this.#buffer);
        if (!match) {
          const keep = final ? 0 : Math.min(this.#buffer.length, CARRY);
          this.#outside(this.#buffer.slice(0, this.#buffer.length - keep));
          this.#buffer = this.#buffer.slice(this.#buffer.length - keep);
          return;
        }
        this.#outside(this.#buffer.slice(0, match.index));
        this.#buffer = this.#buffer.slice(match.index + match[0].length);
        // The stream's dictionary: what follows the last "obj" keyword.
        const dict = this.#recent.slice(Math.max(0, this.#recent.lastIndexOf("obj")));
        const objectStream = /\/Type\s*\/ObjStm\b/.test(dict) && /\/FlateDecode\b/.test(dict);
        this.#stream = objectStream ? { data: [], bytes: 0 } : null;
        this.#recent = "";
      } else {
        const end = this.#buffer.indexOf("endstream");
        const available = end >= 0 ? end : final ? this.#buffer.length : Math.max(0, this.#buffer.length - "endstream".length);
        this.#capture(this.#buffer.slice(0, available));
        this.#buffer = this.#buffer.slice(end >= 0 ? end + "endstream".length : available);
        if (end < 0 && !final) return;
        this.#closeStream();
        if (end < 0) return;
      }
    }
  }

  #outside(text: string): void {
    if (!text) return;
    this.#pages.push(Buffer.from(text, "latin1"));
    const recent = this.#recent + text;
    this.#hasEof ||= recent.includes("%%EOF");
    this.#encrypted ||= recent.includes("/Encrypt");
    this.#recent = recent.slice(-DICT_WINDOW);
  }

  #capture(text: string): void {
    const stream = this.#stream;
    if (!stream || !text) return;
    stream.bytes += text.length;
    if (stream.bytes > MAX_OBJECT_STREAM_BYTES) this.#stream = null;
    else stream.data.push(text);
  }

  #closeStream(): void {
    const stream = this.#stream;
    this.#stream = undefined;
    if (!stream) return;
    try {
      const inflated = inflateSync(Buffer.from(stream.data.join(""), "latin1"), { finishFlush: constants.Z_SYNC_FLUSH });
      this.#compressedPages += inflated.toString("latin1").match(PAGE_OBJECT)?.length ?? 0;
    } catch {
      // Not inflatable: its pages, if any, stay uncounted.
    }
  }
}

/**
 * Counts `/Type /Page` objects in a stream of chunks. A match counts once its next character is
 * known (so `/Type /Pages` split after "Page" is not counted), and is never counted twice.
 */
export class PageObjectCounter {
  #text = "";
  /** Absolute offset of `#text[0]`. */
  #offset = 0;
  /** Absolute end of the last counted match. */
  #countedUpTo = 0;
  #count = 0;

  push(chunk: Buffer): void {
    this.#text += chunk.toString("latin1");
    this.#scan(false);
    const keep = Math.min(this.#text.length, CARRY);
    this.#offset += this.#text.length - keep;
    this.#text = this.#text.slice(this.#text.length - keep);
  }

  /** The count, once the stream ended. */
  end(): number {
    this.#scan(true);
    return this.#count;
  }

  #scan(final: boolean): void {
    for (const match of this.#text.matchAll(PAGE_OBJECT)) {
      const start = this.#offset + match.index;
      const end = start + match[0].length;
      if (start < this.#countedUpTo) continue;
      if (!final && match.index + match[0].length >= this.#text.length) continue;
      this.#count++;
      this.#countedUpTo = end;
    }
  }
}
