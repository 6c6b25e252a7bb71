/** The file types SotaOCR accepts, recognised by their first bytes rather than by their names. */
export type SupportedFileType = "pdf" | "png" | "jpeg";

export const CONTENT_TYPES: Record<SupportedFileType, string> = {
  pdf: "application/pdf",
  png: "image/png",
  jpeg: "image/jpeg",
};

export const EXTENSIONS: Record<SupportedFileType, string> = { pdf: "pdf", png: "png", jpeg: "jpg" };

/** How many leading bytes `sniffFileType` needs. The PDF spec lets `%PDF-` start anywhere in the first 1 KB. */
export const SNIFF_BYTES = 1024;

const startsWith = (bytes: Uint8Array, signature: number[], offset = 0) => signature.every((byte, i) => bytes[offset + i] === byte);

const ascii = (text: string) => [...text].map((char) => char.charCodeAt(0));

/** Types people commonly try that SotaOCR does not read, so the error can name what was found. */
const UNSUPPORTED: [string, (bytes: Uint8Array) => boolean][] = [
  ["gif", (b) => startsWith(b, ascii("GIF8"))],
  ["zip (docx, xlsx, pptx, odt…)", (b) => startsWith(b, [0x50, 0x4b, 0x03, 0x04])],
  ["tiff", (b) => startsWith(b, ascii("II*\0")) || startsWith(b, ascii("MM\0*"))],
  ["webp", (b) => startsWith(b, ascii("RIFF")) && startsWith(b, ascii("WEBP"), 8)],
  ["bmp", (b) => startsWith(b, ascii("BM"))],
  ["heic", (b) => startsWith(b, ascii("ftyp"), 4)],
  ["doc/xls (OLE)", (b) => startsWith(b, [0xd0, 0xcf, 0x11, 0xe0])],
];

export type SniffResult = { supported: SupportedFileType } | { unsupported: string };

/** Recognises a PDF, PNG or JPEG from its first bytes; otherwise names what it looks like. */
export function sniffFileType(head: Uint8Array): SniffResult {
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return { supported: "png" };
  if (startsWith(head, [0xff, 0xd8, 0xff])) return { supported: "jpeg" };
  if (indexOfAscii(head.subarray(0, SNIFF_BYTES), "%PDF-") >= 0) return { supported: "pdf" };
  for (const [name, matches] of UNSUPPORTED) if (matches(head)) return { unsupported: name };
  return { unsupported: looksLikeText(head) ? "text" : "unknown binary" };
}

/**
 * How far from its end a complete PDF has its last `%%EOF`. The spec allows bytes after it, and
 * real files carry kilobytes there (padding, signature blocks, mail trailers): Acrobat's 1 KB
 * would refuse them. A file cut off while downloading or copying has no `%%EOF` left in its last
 * MiB, unless an earlier revision (an incremental update) ends there, which readers can open.
 */
export const PDF_END_WINDOW_BYTES = 1024 * 1024;

/** True when `tail` (the last {@link PDF_END_WINDOW_BYTES} of a PDF, or all of it) holds `%%EOF`. */
export function hasPdfEnd(tail: Uint8Array): boolean {
  return indexOfAscii(tail, "%%EOF") >= 0;
}

function indexOfAscii(bytes: Uint8Array, needle: string): number {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(needle, 0, "latin1");
}

function looksLikeText(bytes: Uint8Array): boolean {
  if (bytes.length === 0) return false;
  let controls = 0;
  for (const byte of bytes) if (byte < 0x09 || (byte > 0x0d && byte < 0x20)) controls++;
  return controls === 0;
}
