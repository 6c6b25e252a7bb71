/**
 * How large a PDF page may be rendered. A PDF of a few hundred bytes can declare a page of 200
 * inches square (or more, with /UserUnit); rendering it would allocate gigabytes. Every render,
 * preview or OCR, has at most `maxPixels` pixels: a page whose preview would be larger fails with
 * `page_too_large`, and an OCR render that would be larger is made at a lower resolution instead.
 */
import { EngineInputError } from "../../engine.js";

/** Width and height: of a page in PDF points (at scale 1), or of a render in pixels. */
export interface Size {
  width: number;
  height: number;
}

/** Pixels per render by default: an A0 or 36×48 in page fits at 144 dpi (each about 36 megapixels, 150 MB as RGBA). */
export const DEFAULT_MAX_PAGE_PIXELS = 40_000_000;

/** Whole pixels of a render (the preview and OCR images use these sizes). */
export function pixelSize(viewport: Size): Size {
  return { width: Math.max(1, Math.round(viewport.width)), height: Math.max(1, Math.round(viewport.height)) };
}

/** `scale`, or the largest lower scale at which a render of `page` (in points) has at most `maxPixels` pixels. */
export function fitScale(page: Size, scale: number, maxPixels: number): number {
  if (renderPixels(page, scale) <= maxPixels) return scale;
  const { width: w, height: h } = page;
  // A side under half a pixel still renders as one: then the long side alone must fit.
  const longSideFit = (maxPixels - 0.5) / Math.max(w, h);
  if (w * h === 0) return Math.min(scale, longSideFit);
  // The largest s with (w·s + ½)(h·s + ½) ≤ maxPixels: rounding each side up by half a pixel stays within it.
  const half = (w + h) / 2;
  return Math.min((-half + Math.sqrt(half * half - 4 * w * h * (0.25 - maxPixels))) / (2 * w * h), longSideFit);
}

/** Throws `page_too_large` when rendering page `pageNumber` (`page` in points) at `scale` would exceed `maxPixels` pixels. */
export function checkRenderSize(pageNumber: number, page: Size, scale: number, maxPixels: number): void {
  if (renderPixels(page, scale) <= maxPixels) return;
  const render = pixelSize({ width: page.width * scale, height: page.height * scale });
  throw new EngineInputError(
    "page_too_large",
    `Page ${pageNumber} is ${round(page.width)}×${round(page.height)} pt: at ${round(scale * 72)} dpi it would be ` +
      `${render.width}×${render.height} pixels (${megapixels(render.width * render.height)} megapixels), more than the emulator renders ` +
      `(${megapixels(maxPixels)} megapixels). Upload a smaller page, or raise the limit with the emulator option local.maxPagePixels (--max-page-megapixels).`,
  );
}

function renderPixels(page: Size, scale: number): number {
  const { width, height } = pixelSize({ width: page.width * scale, height: page.height * scale });
  return width * height;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

function megapixels(pixels: number): number {
  return round(pixels / 1e6);
}
