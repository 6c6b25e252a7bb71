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
 * - Otherwise (PNG, PDF scans, JPEG without EXIF): tesseract's own orientation detection (page
 *   segmentation mode 1, with `osd.traineddata` from `@tesseract.js-data/osd`), in the same pass as
 *   the recognition: the lines' `textangle` in the hOCR gives the turn (see `hocr.ts`).
 */
import { type Canvas, createCanvas } from "@napi-rs/canvas";

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
