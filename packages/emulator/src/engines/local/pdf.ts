/**
 * PDF access through pdf.js (the `legacy` build, the one meant for Node): opening with the right
 * error codes, rendering pages onto an `@napi-rs/canvas` canvas, and measuring how much of a page
 * is covered by images, and at what resolution (to tell a scan with a stray text stamp from a real
 * text page, and to render scans for OCR at their own resolution).
 */
import { readFile } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import { type Canvas, createCanvas } from "@napi-rs/canvas";
import type * as Pdfjs from "pdfjs-dist/legacy/build/pdf.mjs";
import type { PDFDocumentProxy, PDFPageProxy } from "pdfjs-dist/legacy/build/pdf.mjs";
import { EngineInputError } from "../../engine.js";
import { pdfjsAssets } from "./assets.js";
import { checkRenderSize, pixelSize } from "./page-size.js";

export type { PDFDocumentProxy, PDFPageProxy };

type PdfjsModule = typeof Pdfjs;

let pdfjsModule: Promise<PdfjsModule> | undefined;

/** pdf.js, imported on first use (it is ESM-only; a computed specifier keeps bundlers from rewriting the import). */
export function loadPdfjs(): Promise<PdfjsModule> {
  pdfjsModule ??= import(pathToFileURL(pdfjsAssets().modulePath).href) as Promise<PdfjsModule>;
  return pdfjsModule;
}

function errorName(error: unknown): string {
  return typeof error === "object" && error !== null && "name" in error ? String(error.name) : "";
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Opens a PDF file. A file pdf.js cannot parse → `EngineInputError("invalid_pdf")`; one that needs
 * a password → `EngineInputError("encrypted_pdf")`. (PDFs encrypted with an empty user password
 * open normally, as in any viewer.) I/O errors (a missing file) are thrown as they are.
 */
export async function openPdf(path: string): Promise<PDFDocumentProxy> {
  const data = new Uint8Array(await readFile(path));
  if (data.byteLength === 0) throw new EngineInputError("invalid_pdf", "The PDF file is empty.");
  const pdfjs = await loadPdfjs();
  const assets = pdfjsAssets();
  const task = pdfjs.getDocument({
    data,
    standardFontDataUrl: assets.standardFontDataUrl,
    cMapUrl: assets.cMapUrl,
    cMapPacked: true,
    iccUrl: assets.iccUrl,
    wasmUrl: assets.wasmUrl,
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    verbosity: pdfjs.VerbosityLevel.ERRORS,
  });
  try {
    return await task.promise;
  } catch (error) {
    await task.destroy().catch(() => undefined);
    throw toInputError(error);
  }
}

/** Maps what pdf.js throws for a bad document to the engine's input errors; other errors pass through. */
export function toInputError(error: unknown): unknown {
  if (error instanceof EngineInputError) return error;
  const name = errorName(error);
  if (name === "PasswordException") {
    return new EngineInputError("encrypted_pdf", "The PDF is encrypted and needs a password; remove the password and upload it again.");
  }
  if (name === "InvalidPDFException" || name === "FormatError" || name === "UnknownErrorException" || name === "XRefParseException") {
    return new EngineInputError("invalid_pdf", `The file is not a readable PDF: ${errorMessage(error)}`);
  }
  return error;
}

/**
 * Renders a page at `scale` (pixels per PDF point) onto a white canvas; a render of more than
 * `maxPixels` pixels is refused with `page_too_large` before anything is allocated.
 */
export async function renderPage(page: PDFPageProxy, scale: number, maxPixels: number): Promise<Canvas> {
  checkRenderSize(page.pageNumber, page.getViewport({ scale: 1 }), scale, maxPixels);
  const viewport = page.getViewport({ scale });
  const { width, height } = pixelSize(viewport);
  const canvas = createCanvas(width, height);
  const context = canvas.getContext("2d");
  await page.render({
    canvas: null,
    canvasContext: context,
    viewport,
    background: "#ffffff",
  }).promise;
  return canvas;
}

export interface PageImages {
  /** Share (0–1) of the page area painted by images; overlaps count twice, then the sum is capped. */
  coverage: number;
  /** Resolution, in pixels per inch, of the image covering the most area (undefined without images). */
  dpi?: number;
}

/**
 * What images a page paints, from its operator list (cheap: images are not decoded): each image
 * fills the unit square of the current transformation matrix, so its area is |det(CTM)| and its
 * resolution its pixel size over the square's side lengths.
 */
export async function pageImages(page: PDFPageProxy): Promise<PageImages> {
  const { OPS } = await loadPdfjs();
  const ops = await page.getOperatorList();
  const [x0, y0, x1, y1] = page.view as [number, number, number, number];
  const pageArea = Math.abs((x1 - x0) * (y1 - y0));
  const imageOps = new Set<number>([
    OPS.paintImageXObject,
    OPS.paintInlineImageXObject,
    OPS.paintImageMaskXObject,
    OPS.paintImageXObjectRepeat,
    OPS.paintImageMaskXObjectRepeat,
  ]);
  let ctm = [1, 0, 0, 1, 0, 0];
  const stack: number[][] = [];
  let covered = 0;
  let largest = 0;
  let dpi: number | undefined;
  for (let i = 0; i < ops.fnArray.length; i++) {
    const fn = ops.fnArray[i]!;
    const args = ops.argsArray[i] as unknown[] | null;
    if (fn === OPS.save) stack.push(ctm);
    else if (fn === OPS.restore) ctm = stack.pop() ?? [1, 0, 0, 1, 0, 0];
    else if (fn === OPS.transform && args) ctm = concat(ctm, args as number[]);
    else if (fn === OPS.paintFormXObjectBegin) {
      stack.push(ctm);
      const matrix = args?.[0];
      if (Array.isArray(matrix) && matrix.length === 6) ctm = concat(ctm, matrix as number[]);
    } else if (fn === OPS.paintFormXObjectEnd) ctm = stack.pop() ?? [1, 0, 0, 1, 0, 0];
    else if (imageOps.has(fn)) {
      const area = Math.abs(ctm[0]! * ctm[3]! - ctm[1]! * ctm[2]!);
      covered += area;
      // paintImageXObject's arguments are [objectId, width, height] in image pixels.
      const [, width, height] = fn === OPS.paintImageXObject && args ? args : [];
      if (area > largest && typeof width === "number" && typeof height === "number") {
        largest = area;
        const sideX = Math.hypot(ctm[0]!, ctm[1]!);
        const sideY = Math.hypot(ctm[2]!, ctm[3]!);
        dpi = sideX > 0 && sideY > 0 ? Math.min(width / sideX, height / sideY) * 72 : undefined;
      }
    }
  }
  return { coverage: pageArea === 0 ? 0 : Math.min(1, covered / pageArea), dpi };
}

function concat(m: readonly number[], n: readonly number[]): number[] {
  return [
    n[0]! * m[0]! + n[1]! * m[2]!,
    n[0]! * m[1]! + n[1]! * m[3]!,
    n[2]! * m[0]! + n[3]! * m[2]!,
    n[2]! * m[1]! + n[3]! * m[3]!,
    n[4]! * m[0]! + n[5]! * m[2]! + m[4]!,
    n[4]! * m[1]! + n[5]! * m[3]! + m[5]!,
  ];
}
