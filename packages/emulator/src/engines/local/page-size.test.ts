import { describe, expect, it } from "vitest";
import { EngineInputError } from "../../engine.js";
import { checkRenderSize, fitScale, pixelSize } from "./page-size.js";

const LETTER = { width: 612, height: 792 };
const pixels = (page: { width: number; height: number }, scale: number) => {
  const size = pixelSize({ width: page.width * scale, height: page.height * scale });
  return size.width * size.height;
};

describe("fitScale", () => {
  it("keeps a scale whose render is within the limit", () => {
    expect(fitScale(LETTER, 300 / 72, 40_000_000)).toBe(300 / 72);
  });

  it("lowers a scale whose render would exceed the limit to the largest one within it", () => {
    for (const [page, maxPixels] of [
      [LETTER, 2_000_000],
      [{ width: 2384, height: 3370 }, 40_000_000],
      [{ width: 14_400, height: 14_400 }, 40_000_000],
      [{ width: 3, height: 14_400 }, 1000],
      [{ width: 1001.3, height: 7.7 }, 12_345],
    ] as const) {
      const scale = fitScale(page, 300 / 72, maxPixels);
      expect(scale).toBeLessThan(300 / 72);
      expect(pixels(page, scale)).toBeLessThanOrEqual(maxPixels);
      expect(pixels(page, scale * 1.01)).toBeGreaterThan(maxPixels * 0.98);
    }
  });
});

describe("checkRenderSize", () => {
  it("passes a page whose render is within the limit", () => {
    expect(() => checkRenderSize(1, LETTER, 2, 2_000_000)).not.toThrow();
  });

  it("throws page_too_large naming the page, its size, the limit and how to raise it", () => {
    let error: unknown;
    try {
      checkRenderSize(3, { width: 14_400, height: 14_400 }, 2, 40_000_000);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(EngineInputError);
    expect(error).toMatchObject({
      code: "page_too_large",
      message:
        "Page 3 is 14400×14400 pt: at 144 dpi it would be 28800×28800 pixels (829.4 megapixels), more than the emulator renders " +
        "(40 megapixels). Upload a smaller page, or raise the limit with the emulator option local.maxPagePixels (--max-page-megapixels).",
    });
  });
});
