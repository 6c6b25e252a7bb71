import { describe, expect, it } from "vitest";
import { hasPdfEnd, sniffFileType } from "./file-type.js";

const bytes = (...parts: (string | number[])[]) =>
  new Uint8Array(parts.flatMap((part) => (typeof part === "string" ? [...Buffer.from(part, "latin1")] : part)));

describe("sniffFileType", () => {
  it("recognises PDF, PNG and JPEG by their bytes", () => {
    expect(sniffFileType(bytes("%PDF-1.7\n"))).toEqual({ supported: "pdf" });
    expect(sniffFileType(bytes("junk before the header ", "%PDF-1.4"))).toEqual({ supported: "pdf" });
    expect(sniffFileType(bytes([0x89], "PNG\r\n", [0x1a, 0x0a]))).toEqual({ supported: "png" });
    expect(sniffFileType(bytes([0xff, 0xd8, 0xff, 0xe1]))).toEqual({ supported: "jpeg" });
  });
  it("names common unsupported types", () => {
    expect(sniffFileType(bytes("GIF89a"))).toEqual({ unsupported: "gif" });
    expect(sniffFileType(bytes([0x50, 0x4b, 0x03, 0x04]))).toEqual({ unsupported: "zip (docx, xlsx, pptx, odt…)" });
    expect(sniffFileType(bytes("II*\0"))).toEqual({ unsupported: "tiff" });
    expect(sniffFileType(bytes("RIFF", [1, 2, 3, 4], "WEBP"))).toEqual({ unsupported: "webp" });
    expect(sniffFileType(bytes("hello, world\n"))).toEqual({ unsupported: "text" });
    expect(sniffFileType(bytes([0, 1, 2, 3]))).toEqual({ unsupported: "unknown binary" });
  });
  it("finds the end marker of a complete PDF", () => {
    expect(hasPdfEnd(bytes("...startxref\n123\n%%EOF\n"))).toBe(true);
    expect(hasPdfEnd(bytes("...stream data cut off"))).toBe(false);
  });
});
