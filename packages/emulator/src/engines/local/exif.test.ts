import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { jpegOrientation, orientationAngle } from "./exif.js";

const CORPUS = new URL("../../../../../test/fixtures/tesseract-js-tests/", import.meta.url).pathname;

/** A JPEG header with an APP1 Exif segment holding one Orientation entry. */
function jpegWithOrientation(orientation: number, littleEndian: boolean): Uint8Array {
  const tiff = Buffer.alloc(26);
  if (littleEndian) {
    tiff.write("II", 0, "latin1");
    tiff.writeUInt16LE(42, 2);
    tiff.writeUInt32LE(8, 4);
    tiff.writeUInt16LE(1, 8);
    tiff.writeUInt16LE(0x0112, 10);
    tiff.writeUInt16LE(3, 12);
    tiff.writeUInt32LE(1, 14);
    tiff.writeUInt16LE(orientation, 18);
  } else {
    tiff.write("MM", 0, "latin1");
    tiff.writeUInt16BE(42, 2);
    tiff.writeUInt32BE(8, 4);
    tiff.writeUInt16BE(1, 8);
    tiff.writeUInt16BE(0x0112, 10);
    tiff.writeUInt16BE(3, 12);
    tiff.writeUInt32BE(1, 14);
    tiff.writeUInt16BE(orientation, 18);
  }
  const payload = Buffer.concat([Buffer.from("Exif\0\0", "latin1"), tiff]);
  const app0 = Buffer.from([0xff, 0xe0, 0x00, 0x04, 0x00, 0x00]);
  const app1 = Buffer.concat([Buffer.from([0xff, 0xe1]), Buffer.from([(payload.length + 2) >> 8, (payload.length + 2) & 0xff]), payload]);
  return new Uint8Array(Buffer.concat([Buffer.from([0xff, 0xd8]), app0, app1, Buffer.from([0xff, 0xda, 0x00, 0x02])]));
}

describe("jpegOrientation", () => {
  it("reads the tag in both byte orders", () => {
    for (let o = 1; o <= 8; o++) {
      expect(jpegOrientation(jpegWithOrientation(o, true))).toBe(o);
      expect(jpegOrientation(jpegWithOrientation(o, false))).toBe(o);
    }
  });

  it("reads the rotated corpus scans", () => {
    expect(jpegOrientation(readFileSync(`${CORPUS}simple.jpg`))).toBe(1);
    expect(jpegOrientation(readFileSync(`${CORPUS}simple-90.jpg`))).toBe(6);
    expect(jpegOrientation(readFileSync(`${CORPUS}simple-180.jpg`))).toBe(3);
    expect(jpegOrientation(readFileSync(`${CORPUS}simple-270.jpg`))).toBe(8);
  });

  it("says upright for non-JPEG, truncated or tagless input", () => {
    expect(jpegOrientation(new Uint8Array([0x89, 0x50, 0x4e, 0x47]))).toBe(1);
    expect(jpegOrientation(jpegWithOrientation(6, true).subarray(0, 20))).toBe(1);
    expect(jpegOrientation(jpegWithOrientation(9, true))).toBe(1);
    expect(jpegOrientation(new Uint8Array())).toBe(1);
  });
});

describe("orientationAngle", () => {
  it("gives the clockwise turn that shows the pixels upright", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map(orientationAngle)).toEqual([0, 0, 180, 180, 270, 90, 90, 270]);
  });
});
