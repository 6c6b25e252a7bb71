/**
 * Reads the EXIF Orientation tag (0x0112) of a JPEG: a minimal parser of the APP1 "Exif" segment.
 * Orientation says how the stored pixels must be turned (and perhaps mirrored) to be shown upright.
 */

/** EXIF orientation 1–8, or 1 (upright) when absent or unreadable. */
export function jpegOrientation(bytes: Uint8Array): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 4 || view.getUint16(0) !== 0xffd8) return 1;
  let offset = 2;
  while (offset + 4 <= bytes.length) {
    if (bytes[offset] !== 0xff) return 1;
    const marker = bytes[offset + 1]!;
    // Fill bytes and standalone markers carry no length.
    if (marker === 0xff) {
      offset++;
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      offset += 2;
      continue;
    }
    // Start of scan: no more metadata segments.
    if (marker === 0xda || marker === 0xd9) return 1;
    const length = view.getUint16(offset + 2);
    if (length < 2) return 1;
    const start = offset + 4;
    const end = Math.min(bytes.length, offset + 2 + length);
    if (marker === 0xe1 && end - start >= 14 && ascii(bytes, start, 6) === "Exif\0\0") {
      const orientation = tiffOrientation(view, start + 6, end);
      if (orientation !== undefined) return orientation;
    }
    offset += 2 + length;
  }
  return 1;
}

function ascii(bytes: Uint8Array, start: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(start, start + length));
}

/** Orientation from IFD0 of the TIFF structure at `tiff`, or undefined. */
function tiffOrientation(view: DataView, tiff: number, end: number): number | undefined {
  const order = view.getUint16(tiff);
  if (order !== 0x4949 && order !== 0x4d4d) return undefined;
  const little = order === 0x4949;
  if (view.getUint16(tiff + 2, little) !== 42) return undefined;
  const ifd = tiff + view.getUint32(tiff + 4, little);
  if (ifd + 2 > end) return undefined;
  const count = view.getUint16(ifd, little);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > end) return undefined;
    if (view.getUint16(entry, little) === 0x0112) {
      // Type SHORT (3), count 1: the value sits in the first two bytes of the value field.
      const value = view.getUint16(entry + 8, little);
      return value >= 1 && value <= 8 ? value : undefined;
    }
  }
  return undefined;
}

/**
 * The clockwise turn (0, 90, 180, 270) that shows stored pixels upright, for an EXIF orientation.
 * Mirrored orientations (2, 4, 5, 7) map to the turn their mirror image needs.
 */
export function orientationAngle(orientation: number): 0 | 90 | 180 | 270 {
  switch (orientation) {
    case 3:
    case 4:
      return 180;
    case 6:
    case 7:
      return 90;
    case 5:
    case 8:
      return 270;
    default:
      return 0;
  }
}
