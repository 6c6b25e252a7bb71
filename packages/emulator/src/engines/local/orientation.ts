/**
 * Page orientation.
 *
 * Convention (used for `EnginePage.angle` throughout this engine): the angle is the clockwise turn,
 * in degrees (0, 90, 180, 270), that the engine applied to the page as stored (scanned pixels, or
 * the PDF page as pdf.js renders it, /Rotate included) to make its text upright before reading it.
 * A JPEG with EXIF Orientation 6 ("turn 90° clockwise to display") therefore reports 90, and the
 * preview image and the bboxes are in the upright (turned) page's pixels.
 *
 * Where it comes from:
 * - JPEG: the EXIF Orientation tag (`@napi-rs/canvas`'s `loadImage` already applies it when decoding,
 *   so the engine only reports it and does not turn the bitmap again).
 * - Otherwise (PNG, PDF scans, JPEG without EXIF): tesseract's own orientation detection needs the
 *   legacy engine and `osd.traineddata`, which are not available offline. Instead, when the upright
 *   reading looks poor, the page is read turned by 90°, 180° and 270° too, and the reading with the
 *   most confidently recognised text wins (see `orientationScore`).
 */
import { type Canvas, createCanvas } from "@napi-rs/canvas";
import type { LayoutBlock } from "./markdown.js";

export type Angle = 0 | 90 | 180 | 270;

/** A new canvas with the image turned clockwise by `angle`. */
export function rotateCanvas(source: Canvas, angle: Angle): Canvas {
  if (angle === 0) return source;
  const quarter = angle === 90 || angle === 270;
  const target = createCanvas(quarter ? source.height : source.width, quarter ? source.width : source.height);
  const ctx = target.getContext("2d");
  ctx.translate(target.width / 2, target.height / 2);
  ctx.rotate((angle * Math.PI) / 180);
  ctx.drawImage(source, -source.width / 2, -source.height / 2);
  return target;
}

/**
 * How convincingly a reading looks like upright text: characters of words read with confidence,
 * weighted by that confidence. Sideways or upside-down text reads as few, low-confidence fragments.
 */
export function orientationScore(blocks: readonly LayoutBlock[]): number {
  let score = 0;
  for (const block of blocks) {
    const letters = block.lines.join("").replace(/[^\p{L}\p{N}]/gu, "").length;
    score += letters * block.score * block.score;
  }
  return score;
}

/**
 * Whether an upright reading is doubtful enough to try the other orientations: little text, or
 * text read with low confidence. A clean upright page (the common case) costs nothing extra.
 */
export function shouldProbeOrientation(blocks: readonly LayoutBlock[], meanConfidence: number): boolean {
  const letters = blocks.reduce((n, b) => n + b.lines.join("").replace(/[^\p{L}\p{N}]/gu, "").length, 0);
  return letters < 8 || meanConfidence < 70;
}
