import type { EngineFileType } from "./engine.js";

/** Leading bytes kept to recognise a file: the PDF spec lets `%PDF-` start anywhere in the first 1 KB. */
export const SNIFF_BYTES = 1024;

/** The type of an upload by its first bytes (never its name or declared type), or undefined if unsupported. */
export function sniffFileType(head: Uint8Array): EngineFileType | undefined {
  const bytes = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  if (bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return "png";
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return "jpeg";
  if (bytes.subarray(0, SNIFF_BYTES).indexOf("%PDF-", 0, "latin1") >= 0) return "pdf";
  return undefined;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** File name extensions of stored uploads. */
export const EXTENSIONS: Record<EngineFileType, string> = { pdf: "pdf", png: "png", jpeg: "jpg" };
