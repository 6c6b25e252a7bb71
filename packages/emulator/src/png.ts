import { deflateSync } from "node:zlib";

/** A rectangle to fill, in pixels: [x0, y0, x1, y1] and a gray level (0 black – 255 white). */
export type GrayRect = [x0: number, y0: number, x1: number, y1: number, gray: number];

/** Encodes a white grayscale PNG of `width`×`height` with `rects` filled: enough for a page preview. */
export function encodeGrayPng(width: number, height: number, rects: readonly GrayRect[] = []): Uint8Array {
  const stride = width + 1; // one filter byte per row
  const raw = Buffer.alloc(stride * height, 255);
  for (let y = 0; y < height; y++) raw[y * stride] = 0;
  for (const [x0, y0, x1, y1, gray] of rects) {
    for (let y = Math.max(0, y0); y < Math.min(height, y1); y++) {
      raw.fill(gray, y * stride + 1 + Math.max(0, x0), y * stride + 1 + Math.min(width, x1));
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 0; // grayscale
  return Buffer.concat([SIGNATURE, chunk("IHDR", header), chunk("IDAT", deflateSync(raw)), chunk("IEND", Buffer.alloc(0))]);
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.byteLength);
  const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

let table: Uint32Array | undefined;

function crc32(bytes: Uint8Array): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const byte of bytes) crc = (table[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
