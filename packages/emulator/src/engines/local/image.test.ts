import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { EngineInputError } from "../../engine.js";
import { decodeImage, readImageFile, readImageHeader, tesseractReadsAsIs, toPgm } from "./image.js";

const CORPUS = new URL("../../../../../test/fixtures/tesseract-js-tests/", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "local-image-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

describe("decodeImage", () => {
  it("decodes PNG and JPEG at their size", async () => {
    const png = await decodeImage(`${CORPUS}testocr.png`, "png");
    expect([png.canvas.width, png.canvas.height, png.angle]).toEqual([640, 480, 0]);
    const jpeg = await decodeImage(`${CORPUS}simple.jpg`, "jpeg");
    expect([jpeg.canvas.width, jpeg.canvas.height, jpeg.angle]).toEqual([320, 180, 0]);
  });

  it("shows EXIF-rotated JPEGs upright (once) and reports the turn", async () => {
    // The stored pixels of simple-90/270 are 180×320; upright they are 320×180 like simple.jpg.
    for (const [name, angle] of [
      ["simple-90.jpg", 90],
      ["simple-180.jpg", 180],
      ["simple-270.jpg", 270],
    ] as const) {
      const image = await decodeImage(`${CORPUS}${name}`, "jpeg");
      expect([image.canvas.width, image.canvas.height, image.angle]).toEqual([320, 180, angle]);
    }
  });

  it("paints transparent pixels white", async () => {
    const image = await decodeImage(`${CORPUS}cosmic.png`, "png");
    const { data } = image.canvas.getContext("2d").getImageData(image.canvas.width - 1, image.canvas.height - 1, 1, 1);
    expect([...data]).toEqual([255, 255, 255, 255]);
  });

  it("rejects undecodable, corrupt or mislabelled files with invalid_image, without crashing", async () => {
    const png = readFileSync(`${CORPUS}simple.png`);
    const jpeg = readFileSync(`${CORPUS}simple-90.jpg`);
    const flip = (bytes: Uint8Array, at: number) => {
      const copy = Buffer.from(bytes);
      copy[at]! ^= 0xff;
      return copy;
    };
    const cases: [string, Uint8Array, "png" | "jpeg"][] = [
      ["empty.png", new Uint8Array(), "png"],
      ["text.png", Buffer.from("not an image"), "png"],
      ["png-as-jpeg.jpg", png, "jpeg"],
      // Each of these crashed the process (SIGSEGV) when given straight to @napi-rs/canvas 0.1.100.
      ["truncated-header.png", png.subarray(0, 40), "png"],
      ["bad-ihdr.png", flip(png, 30), "png"],
      ["truncated-header.jpg", jpeg.subarray(0, 200), "jpeg"],
      ["corrupt-scan.jpg", flip(jpeg, 450), "jpeg"],
    ];
    for (const [name, bytes, type] of cases) {
      const error = await decodeImage(file(name, bytes), type).catch((e: unknown) => e);
      expect(error, name).toBeInstanceOf(EngineInputError);
      expect((error as EngineInputError).code, name).toBe("invalid_image");
    }
  });

  it("refuses images too large to decode", async () => {
    const huge = Buffer.from(readFileSync(`${CORPUS}simple.png`));
    huge.writeUInt32BE(20_000, 16);
    huge.writeUInt32BE(20_000, 20);
    await expect(decodeImage(file("huge.png", huge), "png")).rejects.toThrow(/too large/);
  });
});

describe("tesseractReadsAsIs", () => {
  it("hands tesseract the file itself only when it shows what the decoded canvas would", async () => {
    const cases: [string, "png" | "jpeg", boolean][] = [
      ["simple.png", "png", true],
      ["simple.jpg", "jpeg", true],
      // An alpha channel: the canvas paints transparent pixels white, tesseract would see them black.
      ["cosmic.png", "png", false],
      ["testocr.png", "png", false],
      // Turned by EXIF: the canvas is upright, the stored pixels are not.
      ["simple-90.jpg", "jpeg", false],
      ["simple-180.jpg", "jpeg", false],
    ];
    for (const [name, type, asIs] of cases) {
      expect(tesseractReadsAsIs(await readImageFile(`${CORPUS}${name}`, type)), name).toBe(asIs);
    }
  });

  it("not when the image is larger than the engine reads", async () => {
    const wide = Buffer.from(readFileSync(`${CORPUS}simple.png`));
    wide.writeUInt32BE(7000, 16);
    const file = { path: "wide.png", bytes: new Uint8Array(wide), fileType: "png" as const, width: 7000, height: 180, angle: 0 as const };
    expect(tesseractReadsAsIs(file)).toBe(false);
  });
});

describe("readImageHeader", () => {
  it("reads the size from PNG and JPEG headers", () => {
    expect(readImageHeader(readFileSync(`${CORPUS}testocr.png`), "png")).toEqual({ width: 640, height: 480 });
    // Stored (not upright) size of the EXIF-rotated scan.
    expect(readImageHeader(readFileSync(`${CORPUS}simple-90.jpg`), "jpeg")).toEqual({ width: 180, height: 320 });
  });

  it("explains what is wrong", () => {
    expect(readImageHeader(Buffer.from("GIF89a"), "png")).toMatch(/PNG signature/);
    expect(readImageHeader(readFileSync(`${CORPUS}simple.png`).subarray(0, 36), "png")).toMatch(/no image data|cut short/);
    expect(readImageHeader(readFileSync(`${CORPUS}simple.jpg`).subarray(0, 100), "jpeg")).toMatch(/cut short|no image data/);
  });
});

describe("toPgm", () => {
  it("writes a binary PGM whose first 500 bytes are header only", async () => {
    const { canvas } = await decodeImage(`${CORPUS}simple.png`, "png");
    const pgm = toPgm(canvas);
    const header = Buffer.from(pgm.subarray(0, 600)).toString("latin1");
    expect(header.startsWith("P5\n#")).toBe(true);
    const match = /\n(\d+) (\d+)\n255\n/.exec(header)!;
    expect([Number(match[1]), Number(match[2])]).toEqual([320, 180]);
    expect(match.index).toBeGreaterThan(500);
    expect(pgm.length).toBe(match.index + match[0].length + 320 * 180);
    // White paper stays white.
    expect(pgm[pgm.length - 1]).toBe(255);
  });
});
