/**
 * PNG/JPEG input: decodes the file onto a canvas, upright, and turns canvases into bytes for
 * tesseract and for previews.
 */
import { readFile } from "node:fs/promises";
import { type Canvas, createCanvas, loadImage } from "@napi-rs/canvas";
import { EngineInputError } from "../../engine.js";
import { jpegOrientation, orientationAngle } from "./exif.js";
import { probeImage } from "./image-probe.js";
import type { Angle } from "./orientation.js";

export interface DecodedImage {
  /** The image upright (EXIF orientation applied). */
  canvas: Canvas;
  /** Clockwise turn applied to the stored pixels (from EXIF), see `orientation.ts`. */
  angle: Angle;
}

/** Larger images are scaled down to this many pixels on their longest side (OCR time grows with area). */
export const MAX_IMAGE_SIDE = 6000;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * The image size from the file header, or why the header is not that of a `fileType` image: the
 * header must be complete (PNG up to its first IDAT chunk, JPEG up to its first scan), which also
 * keeps truncated files away from the native decoder.
 */
export function readImageHeader(bytes: Uint8Array, fileType: "png" | "jpeg"): { width: number; height: number } | string {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (fileType === "png") {
    if (!PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return "it does not start with the PNG signature";
    if (bytes.length < 33 || view.getUint32(8) !== 13 || ascii(bytes, 12, 4) !== "IHDR") return "its header (IHDR) is missing";
    const size = { width: view.getUint32(16), height: view.getUint32(20) };
    if (size.width === 0 || size.height === 0) return "it has no width or height";
    for (let offset = 33; offset + 8 <= bytes.length; ) {
      const type = ascii(bytes, offset + 4, 4);
      if (type === "IDAT") return offset + 8 < bytes.length ? size : "it is cut short before its image data";
      if (type === "IEND") break;
      offset += 12 + view.getUint32(offset);
    }
    return "it has no image data (IDAT)";
  }
  if (bytes.length < 4 || view.getUint16(0) !== 0xffd8) return "it does not start with a JPEG marker";
  let size: { width: number; height: number } | undefined;
  for (let offset = 2; offset + 4 <= bytes.length; ) {
    if (bytes[offset] !== 0xff) return "its header is corrupt";
    const marker = bytes[offset + 1]!;
    if (marker === 0xff) {
      offset++;
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      offset += 2;
      continue;
    }
    const length = view.getUint16(offset + 2);
    const end = offset + 2 + length;
    if (length < 2 || end > bytes.length) return "it is cut short in its header";
    // SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC): frame header with the image size.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      size = { width: length >= 8 ? view.getUint16(offset + 7) : 0, height: length >= 8 ? view.getUint16(offset + 5) : 0 };
      if (size.width === 0 || size.height === 0) return "it has no width or height";
    }
    if (marker === 0xda) {
      if (!size) return "it has no frame header (image size)";
      return end < bytes.length ? size : "it is cut short before its image data";
    }
    if (marker === 0xd9) break;
    offset = end;
  }
  return "it has no image data";
}

function ascii(bytes: Uint8Array, start: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(start, start + length));
}

/** Images with more pixels are refused (decoding one would need gigabytes of memory). */
export const MAX_IMAGE_PIXELS = 100_000_000;

/**
 * An image file whose header was checked. Its pixels are not looked at yet: tesseract (WebAssembly,
 * which cannot crash the process) decodes most files itself, and `decodeImageFile` probes them
 * before the native decoder does.
 */
export interface ImageFile {
  /** Where the file is, for the crash probe's child process. */
  path: string;
  bytes: Uint8Array;
  fileType: "png" | "jpeg";
  /** Size of the stored pixels (before the EXIF turn). */
  width: number;
  height: number;
  /** Clockwise turn the EXIF orientation asks for, see `orientation.ts`. */
  angle: Angle;
}

/**
 * Reads an image file and checks its header: a file that is not a `fileType` image (or one too
 * large to decode) → `EngineInputError("invalid_image")`. Corrupt pixel data is found later, by
 * whichever decoder reads the pixels first.
 */
export async function readImageFile(path: string, fileType: "png" | "jpeg"): Promise<ImageFile> {
  const bytes = new Uint8Array(await readFile(path));
  const header = readImageHeader(bytes, fileType);
  if (typeof header === "string") throw invalidImage(fileType, header);
  if (header.width * header.height > MAX_IMAGE_PIXELS) {
    throw invalidImage(fileType, `it is too large (${header.width}×${header.height} pixels; at most ${MAX_IMAGE_PIXELS / 1e6} megapixels)`);
  }
  const angle = fileType === "jpeg" ? orientationAngle(jpegOrientation(bytes)) : 0;
  return { path, bytes, fileType, ...header, angle };
}

function invalidImage(fileType: "png" | "jpeg", problem: string): EngineInputError {
  return new EngineInputError("invalid_image", `The file is not a readable ${fileType === "png" ? "PNG" : "JPEG"} image: ${problem}.`);
}

/** Reads, checks and decodes an image file (see `readImageFile`, `decodeImageFile`). */
export async function decodeImage(path: string, fileType: "png" | "jpeg"): Promise<DecodedImage> {
  return decodeImageFile(await readImageFile(path, fileType));
}

/**
 * Decodes a checked image file onto a canvas, upright, transparent parts white, at most
 * `MAX_IMAGE_SIDE` pixels a side. The pixels are first decoded once in a child process (see
 * `image-probe.ts`): the native decoder can crash the process on corrupt files.
 */
export async function decodeImageFile(file: ImageFile): Promise<DecodedImage> {
  const problem = await probeImage(file.path);
  if (problem) throw invalidImage(file.fileType, problem);
  const { bytes } = file;
  let image: Awaited<ReturnType<typeof loadImage>>;
  try {
    image = await loadImage(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (error) {
    throw invalidImage(file.fileType, error instanceof Error ? error.message : String(error));
  }
  if (!image.width || !image.height) throw invalidImage(file.fileType, "it has no pixels");
  // `loadImage` applies the EXIF orientation itself (so width/height are already upright).
  const shrink = Math.min(1, MAX_IMAGE_SIDE / Math.max(image.width, image.height));
  const canvas = createCanvas(Math.max(1, Math.round(image.width * shrink)), Math.max(1, Math.round(image.height * shrink)));
  const ctx = canvas.getContext("2d");
  // Transparent pixels become white paper, not black.
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(image, 0, 0, canvas.width, canvas.height);
  return { canvas, angle: file.angle };
}

/**
 * Whether tesseract can be given the file's own bytes: it then sees what the decoded canvas would
 * show (upright, nothing transparent, full size), and the engine skips decoding the image and
 * converting it to grey itself (about a tenth of a 300 dpi page's CPU time, see docs/benchmarks.md §5).
 */
export function tesseractReadsAsIs(file: ImageFile): boolean {
  if (Math.max(file.width, file.height) > MAX_IMAGE_SIDE) return false;
  if (file.fileType === "jpeg" && jpegOrientation(file.bytes) !== 1) return false;
  // tesseract.js looks for a big-endian EXIF Orientation entry in the first 500 bytes and turns
  // the image by it; our reading of the EXIF data must not disagree.
  const exif = /1 18 0 3 0 0 0 1 0 (\d)/.exec(file.bytes.subarray(0, 500).join(" "));
  if (exif && exif[1] !== "1") return false;
  return file.fileType === "png" ? isOpaquePng(file.bytes) : jpegComponents(file.bytes) !== undefined;
}

/** A PNG with neither an alpha channel nor a transparent colour (`tRNS`). */
function isOpaquePng(bytes: Uint8Array): boolean {
  const colourType = bytes[25];
  if (colourType === 4 || colourType === 6) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let offset = 8; offset + 8 <= bytes.length; offset += 12 + view.getUint32(offset)) {
    const type = ascii(bytes, offset + 4, 4);
    if (type === "tRNS") return false;
    if (type === "IDAT" || type === "IEND") return true;
  }
  return true;
}

/** The number of colour components of a grey (1) or colour (3) JPEG; undefined for CMYK or others. */
function jpegComponents(bytes: Uint8Array): 1 | 3 | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let offset = 2; offset + 4 <= bytes.length; ) {
    const marker = bytes[offset + 1]!;
    if (bytes[offset] !== 0xff || marker === 0xda || marker === 0xd9) return undefined;
    if (marker === 0xff) {
      offset++;
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      offset += 2;
      continue;
    }
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      const components = bytes[offset + 9];
      return components === 1 || components === 3 ? components : undefined;
    }
    offset += 2 + view.getUint16(offset + 2);
  }
  return undefined;
}

/** A canvas as a binary PGM (8-bit grayscale), tesseract's cheapest input: no compression either way. */
export function toPgm(canvas: Canvas): Uint8Array {
  const { width, height } = canvas;
  const { data } = canvas.getContext("2d").getImageData(0, 0, width, height);
  // tesseract.js scans the first 500 bytes of any input for an EXIF orientation pattern; a comment
  // that long keeps pixel values out of that window.
  const header = new TextEncoder().encode(`P5\n#${" ".repeat(512)}\n${width} ${height}\n255\n`);
  const out = new Uint8Array(header.length + width * height);
  out.set(header, 0);
  for (let i = 0, j = header.length; i < data.length; i += 4, j++) {
    // ITU-R BT.601 luma, in fixed point.
    out[j] = (data[i]! * 77 + data[i + 1]! * 150 + data[i + 2]! * 29) >> 8;
  }
  return out;
}
