import { createCanvas } from "@napi-rs/canvas";
import { describe, expect, it } from "vitest";
import { rotateCanvas } from "./orientation.js";

/** A 4×2 canvas, black except a red top-left pixel. */
function marked() {
  const canvas = createCanvas(4, 2);
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#000000";
  ctx.fillRect(0, 0, 4, 2);
  ctx.fillStyle = "#ff0000";
  ctx.fillRect(0, 0, 1, 1);
  return canvas;
}

function redAt(canvas: ReturnType<typeof marked>): [number, number] {
  const { data, width } = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
  for (let i = 0; i < data.length; i += 4) if (data[i]! > 128) return [(i / 4) % width, Math.floor(i / 4 / width)];
  throw new Error("no red pixel");
}

describe("rotateCanvas", () => {
  it("turns clockwise", () => {
    expect(rotateCanvas(marked(), 0)).toMatchObject({ width: 4, height: 2 });
    const quarter = rotateCanvas(marked(), 90);
    expect([quarter.width, quarter.height]).toEqual([2, 4]);
    // Clockwise: the top-left corner goes to the top-right.
    expect(redAt(quarter)).toEqual([1, 0]);
    expect(redAt(rotateCanvas(marked(), 180))).toEqual([3, 1]);
    const threeQuarters = rotateCanvas(marked(), 270);
    expect([threeQuarters.width, threeQuarters.height]).toEqual([2, 4]);
    expect(redAt(threeQuarters)).toEqual([0, 3]);
  });
});
