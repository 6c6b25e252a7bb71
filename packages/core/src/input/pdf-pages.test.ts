import { makePdf } from "@sotaocr/test-support";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "./hash.js";
import { pageHint, pdfPagesOf } from "./pdf-pages.js";

/** A Blob whose stream yields `bytes` cut at the given offsets, as a file read in chunks would. */
function chunkedBlob(bytes: Uint8Array, cuts: number[]): Blob {
  const blob = new Blob([bytes]);
  const edges = [0, ...cuts, bytes.length];
  Object.defineProperty(blob, "stream", {
    value: () =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 1; i < edges.length; i++) controller.enqueue(bytes.slice(edges[i - 1], edges[i]));
          controller.close();
        },
      }),
  });
  return blob;
}

const pdfOf = (pages: number) => makePdf(Array.from({ length: pages }, (_, i) => `page ${i + 1}`));

describe("the page count of a PDF, read with its hash", () => {
  it("counts the pages of PDFs of 1 to 12 pages", async () => {
    for (const pages of [1, 2, 3, 4, 12]) {
      const blob = new Blob([pdfOf(pages)]);
      await sha256Hex(blob);
      expect([pages, pdfPagesOf(blob)]).toEqual([pages, pages]);
    }
  });

  it("counts a page object cut by a chunk boundary once, at every cut through it", async () => {
    const bytes = pdfOf(3);
    const at = Buffer.from(bytes).indexOf("/Type /Page /Parent");
    for (let cut = at - 1; cut <= at + 13; cut++) {
      const blob = chunkedBlob(bytes, [cut, cut + 3]);
      await sha256Hex(blob);
      expect([cut - at, pdfPagesOf(blob)]).toEqual([cut - at, 3]);
    }
  });

  it("does not take a cut `/Type /Pages` for a page", async () => {
    const bytes = pdfOf(2);
    const at = Buffer.from(bytes).indexOf("/Type /Pages");
    const blob = chunkedBlob(bytes, [at + "/Type /Page".length]);
    await sha256Hex(blob);
    expect(pdfPagesOf(blob)).toBe(2);
  });

  it("gives no count when pages sit in compressed object streams", async () => {
    const text =
      "%PDF-1.5\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n5 0 obj\n<< /Type /ObjStm /N 3 /First 12 /Filter /FlateDecode /Length 9 >>\nstream\nx\x9c\x01\x02\x03\nendstream\nendobj\n%%EOF\n";
    const blob = new Blob([Buffer.from(text, "latin1")]);
    await sha256Hex(blob);
    expect(pdfPagesOf(blob)).toBeUndefined();
  });

  it("gives no count for a PDF not yet hashed, nor for one where no page object shows", async () => {
    expect(pdfPagesOf(new Blob([pdfOf(2)]))).toBeUndefined();
    const blob = new Blob([Buffer.from("%PDF-1.4\n%%EOF\n", "latin1")]);
    await sha256Hex(blob);
    expect(pdfPagesOf(blob)).toBeUndefined();
  });
});

describe("the page hint of an upload", () => {
  it("is 1 for an image, the PDF's count, or what the ranges select of it", () => {
    expect(pageHint("png", undefined, undefined)).toBe(1);
    expect(pageHint("jpeg", undefined, [{ start: 1, end: 1 }])).toBe(1);
    expect(pageHint("pdf", 5, undefined)).toBe(5);
    expect(pageHint("pdf", undefined, undefined)).toBeUndefined();
    expect(
      pageHint("pdf", 5, [
        { start: 2, end: 3 },
        { start: 5, end: 9 },
      ]),
    ).toBe(3);
    expect(pageHint("pdf", undefined, [{ start: 2, end: 3 }])).toBe(2);
    expect(pageHint("pdf", 3, [{ start: 4, end: 6 }])).toBeUndefined();
  });
});
