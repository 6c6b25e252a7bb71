import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { EngineInputError } from "../../engine.js";
import { pdfjsAssets } from "./assets.js";
import { DEFAULT_MAX_PAGE_PIXELS } from "./page-size.js";
import { loadPdfjs, openPdf, pageImages, renderPage, toInputError } from "./pdf.js";
import { encryptedPdf } from "./test-fixtures.js";

const DATA = fileURLToPath(new URL("../../../../../examples/data/", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "local-pdf-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

async function inputError(path: string): Promise<EngineInputError> {
  const error = await openPdf(path).then(
    (doc) => doc.destroy().then(() => undefined),
    (e: unknown) => e,
  );
  expect(error, path).toBeInstanceOf(EngineInputError);
  return error as EngineInputError;
}

describe("openPdf", () => {
  it("opens a PDF", async () => {
    const doc = await openPdf(`${DATA}report.pdf`);
    expect(doc.numPages).toBe(3);
    await doc.destroy();
  });

  it("rejects broken files with invalid_pdf", async () => {
    const report = readFileSync(`${DATA}report.pdf`);
    const cases: [string, Uint8Array][] = [
      ["empty.pdf", new Uint8Array()],
      ["text.pdf", Buffer.from("This is not a PDF, just words.\n".repeat(10))],
      ["image.pdf", readFileSync(`${DATA}page.png`)],
      ["first-half.pdf", report.subarray(0, report.length >> 1)],
      ["header-only.pdf", report.subarray(0, 200)],
      ["no-trailer.pdf", report.subarray(0, report.length - 300)],
    ];
    for (const [name, bytes] of cases) {
      expect((await inputError(file(name, bytes))).code, name).toBe("invalid_pdf");
    }
  });

  it("rejects a password-protected PDF with encrypted_pdf", async () => {
    const error = await inputError(file("encrypted.pdf", encryptedPdf("secret")));
    expect(error.code).toBe("encrypted_pdf");
    expect(error.message).toMatch(/password/);
  });

  it("(fixture check) the encrypted PDF is real: it opens with its password", async () => {
    const pdfjs = await loadPdfjs();
    const doc = await pdfjs.getDocument({
      data: encryptedPdf("secret"),
      password: "secret",
      standardFontDataUrl: pdfjsAssets().standardFontDataUrl,
    }).promise;
    const page = await doc.getPage(1);
    const content = await page.getTextContent();
    expect(content.items.map((item) => ("str" in item ? item.str : "")).join("")).toBe("Secret text");
    await doc.destroy();
  });

  it("passes other errors through", () => {
    const error = new Error("disk on fire");
    expect(toInputError(error)).toBe(error);
    expect(toInputError(Object.assign(new Error("x"), { name: "InvalidPDFException" }))).toBeInstanceOf(EngineInputError);
  });
});

describe("pages", () => {
  it("measures how much of a page images cover, and their resolution", async () => {
    const text = await openPdf(`${DATA}report.pdf`);
    const scanned = await openPdf(`${DATA}mixed.pdf`);
    expect(await pageImages(await text.getPage(1))).toEqual({ coverage: 0, dpi: undefined });
    expect(await pageImages(await scanned.getPage(1))).toEqual({ coverage: 0, dpi: undefined });
    // The samples' scans are 200 dpi images filling the page.
    const scan = await pageImages(await scanned.getPage(2));
    expect(scan.coverage).toBeCloseTo(1);
    expect(scan.dpi).toBeCloseTo(200, 0);
    await Promise.all([text.destroy(), scanned.destroy()]);
  });

  it("renders a page at a scale onto a white canvas", async () => {
    const doc = await openPdf(`${DATA}report.pdf`);
    const canvas = await renderPage(await doc.getPage(1), 0.5, DEFAULT_MAX_PAGE_PIXELS);
    expect([canvas.width, canvas.height]).toEqual([306, 396]);
    const ctx = canvas.getContext("2d");
    expect([...ctx.getImageData(2, 2, 1, 1).data]).toEqual([255, 255, 255, 255]);
    // The heading's ink is dark.
    const heading = ctx.getImageData(36, 48, 120, 12).data;
    expect(Math.min(...heading.filter((_, i) => i % 4 === 0))).toBeLessThan(80);
    await doc.destroy();
  });
});
