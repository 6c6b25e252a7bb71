import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PDFDocument, StandardFonts } from "pdf-lib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EngineInputError } from "../engine.js";
import { createSyntheticEngine, PageObjectCounter, PdfScanner, syntheticPage } from "./synthetic.js";
import { syntheticPreview } from "./synthetic-page.js";

describe("PageObjectCounter", () => {
  const count = (text: string, chunkSize: number) => {
    const counter = new PageObjectCounter();
    for (let i = 0; i < text.length; i += chunkSize) counter.push(Buffer.from(text.slice(i, i + chunkSize), "latin1"));
    return counter.end();
  };
  const pdf =
    "1 0 obj << /Type /Pages /Kids [2 0 R 3 0 R] >>\n2 0 obj << /Type /Page >>\n3 0 obj <</Type/Page/Parent 1 0 R>>\n" +
    "4 0 obj << /Type  /Pages >>\n5 0 obj << /Type /Page>> endobj";

  it("counts /Type /Page objects, not /Pages, whatever the chunk boundaries", () => {
    for (const size of [1, 2, 3, 5, 7, 11, 16, 64, 1000]) expect([size, count(pdf, size)]).toEqual([size, 3]);
  });

  it("counts a page object at the very end of the stream", () => {
    expect(count("<< /Type /Page", 4)).toBe(1);
    expect(count("<< /Type /Pages", 4)).toBe(0);
  });
});

describe("PdfScanner", () => {
  const scan = (bytes: Uint8Array, chunkSize: number) => {
    const scanner = new PdfScanner();
    for (let i = 0; i < bytes.length; i += chunkSize) scanner.push(Buffer.from(bytes.subarray(i, i + chunkSize)));
    return scanner.end();
  };
  const pdfLib = async (pages: number, useObjectStreams: boolean) => {
    const document = await PDFDocument.create();
    const font = await document.embedFont(StandardFonts.Helvetica);
    for (let i = 0; i < pages; i++) document.addPage().drawText(`Page ${i + 1} /Type /Pages`, { font, x: 50, y: 700 });
    return document.save({ useObjectStreams });
  };

  it("counts pages inside compressed object streams (PDF 1.5+, e.g. pdf-lib's default) and in plain objects", async () => {
    for (const useObjectStreams of [true, false]) {
      for (const pages of [1, 3, 12]) {
        const bytes = await pdfLib(pages, useObjectStreams);
        for (const chunkSize of [7, 100, 4096, 1 << 20]) {
          expect([useObjectStreams, pages, chunkSize, scan(bytes, chunkSize)]).toEqual([
            useObjectStreams,
            pages,
            chunkSize,
            { pages, hasEof: true, encrypted: false },
          ]);
        }
      }
    }
  });

  it("skips other streams and survives a damaged object stream", () => {
    const text =
      "%PDF-1.7\n1 0 obj << /Length 20 >>\nstream\n/Type /Page /Type /Page\nendstream\nendobj\n" +
      "2 0 obj << /Type /ObjStm /Filter /FlateDecode /Length 5 >>\nstream\nxxxxx\nendstream\nendobj\n" +
      "3 0 obj << /Type /Page >>\nendobj\ntrailer << /Encrypt 4 0 R >>\n%%EOF";
    expect(scan(Buffer.from(text, "latin1"), 5)).toEqual({ pages: 1, hasEof: true, encrypted: true });
  });
});

describe("the synthetic engine", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "synthetic-test-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const file = async (name: string, text: string) => {
    const path = join(dir, name);
    await writeFile(path, text, "latin1");
    return path;
  };

  it("reads each page as the structured page of its file's hash and number, and previews its boxes", async () => {
    const path = await file("s.pdf", "%PDF-1.4 /Type /Page /Type /Page %%EOF");
    const document = await createSyntheticEngine({ msPerPage: 0 }).open(path, "pdf");
    const sha256 = createHash("sha256").update("%PDF-1.4 /Type /Page /Type /Page %%EOF").digest("hex");
    expect(await document.readPage(2)).toEqual(syntheticPage(sha256, 2));
    expect(Buffer.from(await document.previewPage(2))).toEqual(Buffer.from(syntheticPreview(syntheticPage(sha256, 2))));
    expect(Buffer.from(await document.previewPage(1))).not.toEqual(Buffer.from(await document.previewPage(2)));
  });

  it("counts PDF pages (at least 1), 1 for images, or the pageCount override; waits msPerPage per page", async () => {
    const engine = createSyntheticEngine({ msPerPage: 30 });
    const three = await engine.open(await file("3.pdf", "%PDF-1.4 /Type /Page /Type /Page /Type /Page /Type /Pages %%EOF"), "pdf");
    expect(three.pageCount).toBe(3);
    const started = performance.now();
    await three.readPage(2);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
    await expect(three.readPage(4)).rejects.toThrow(RangeError);
    expect((await engine.open(await file("0.pdf", "%PDF-1.4 compressed %%EOF"), "pdf")).pageCount).toBe(1);
    expect((await engine.open(await file("a.png", "\x89PNG /Type /Page /Type /Page"), "png")).pageCount).toBe(1);
    const fixed = createSyntheticEngine({ pageCount: 7 });
    expect((await fixed.open(await file("b.pdf", "%PDF-1.4 %%EOF"), "pdf")).pageCount).toBe(7);
  });

  it("fails broken and encrypted PDFs with their codes, and stops reading on abort", async () => {
    const engine = createSyntheticEngine({ msPerPage: 10_000 });
    await expect(engine.open(await file("cut.pdf", "%PDF-1.4 /Type /Page"), "pdf")).rejects.toMatchObject({ code: "invalid_pdf" });
    const encrypted = engine.open(await file("enc.pdf", "%PDF-1.4 trailer << /Encrypt 5 0 R >> %%EOF"), "pdf");
    await expect(encrypted).rejects.toBeInstanceOf(EngineInputError);
    await expect(encrypted).rejects.toMatchObject({ code: "encrypted_pdf" });
    const document = await engine.open(await file("ok.pdf", "%PDF-1.4 /Type /Page %%EOF"), "pdf");
    const controller = new AbortController();
    const reading = document.readPage(1, controller.signal);
    controller.abort(new Error("stop"));
    await expect(reading).rejects.toThrow("stop");
  });

  it("previews pages as a PNG of the page size", async () => {
    const document = await createSyntheticEngine().open(await file("p.pdf", "%PDF-1.4 /Type /Page %%EOF"), "pdf");
    const png = Buffer.from(await document.previewPage(1));
    expect(png.subarray(1, 4).toString("latin1")).toBe("PNG");
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1224, 1584]);
  });
});
