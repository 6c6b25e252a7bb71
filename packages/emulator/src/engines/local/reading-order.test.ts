import { describe, expect, it } from "vitest";
import { orderByLayout } from "./reading-order.js";

type Named = { name: string; box: [number, number, number, number] };
const read = (blocks: Named[]) => orderByLayout(blocks, (b) => b.box).map((b) => b.name);

describe("orderByLayout", () => {
  it("reads a header, two columns top to bottom, then a footer, whatever order they came in", () => {
    const blocks: Named[] = [
      { name: "left-2", box: [50, 300, 290, 500] },
      { name: "right-1", box: [310, 100, 550, 250] },
      { name: "footer", box: [250, 760, 350, 775] },
      { name: "right-2", box: [310, 270, 550, 700] },
      { name: "header", box: [50, 20, 550, 40] },
      { name: "left-1", box: [50, 100, 290, 270] },
      { name: "left-3", box: [50, 520, 290, 700] },
    ];
    expect(read(blocks)).toEqual(["header", "left-1", "left-2", "left-3", "right-1", "right-2", "footer"]);
  });

  it("does not read the top halves of both columns first when paragraph gaps line up across the gutter", () => {
    const blocks: Named[] = [
      { name: "left-1", box: [50, 100, 290, 280] },
      { name: "right-1", box: [310, 100, 550, 280] },
      { name: "left-2", box: [50, 300, 290, 500] },
      { name: "right-2", box: [310, 300, 550, 500] },
    ];
    expect(read(blocks)).toEqual(["left-1", "left-2", "right-1", "right-2"]);
  });

  it("reads a full-width block between two-column parts in place", () => {
    const blocks: Named[] = [
      { name: "left-1", box: [50, 100, 290, 280] },
      { name: "right-1", box: [310, 100, 550, 280] },
      { name: "table", box: [50, 300, 550, 400] },
      { name: "left-2", box: [50, 420, 290, 600] },
      { name: "right-2", box: [310, 420, 550, 600] },
    ];
    expect(read(blocks)).toEqual(["left-1", "right-1", "table", "left-2", "right-2"]);
  });

  it("does not take the gap after a page number in the header for the columns' gutter", () => {
    const blocks: Named[] = [
      { name: "page-number", box: [20, 20, 52, 35] },
      { name: "running-head", box: [200, 20, 400, 35] },
      // Indented: the gap between the page number and this block is no gutter.
      { name: "left-1", box: [62, 60, 290, 100] },
      { name: "right-1", box: [310, 65, 550, 105] },
      { name: "left-2", box: [45, 104, 290, 300] },
      { name: "right-2", box: [310, 110, 550, 300] },
    ];
    expect(read(blocks)).toEqual(["page-number", "running-head", "left-1", "left-2", "right-1", "right-2"]);
  });

  it("reads a column to its end when the other column has a hole (text lost under a stain, a figure)", () => {
    const blocks: Named[] = [
      { name: "header", box: [50, 20, 550, 40] },
      { name: "left-1", box: [50, 100, 290, 280] },
      { name: "right-1", box: [310, 100, 550, 250] },
      { name: "left-2", box: [50, 279, 290, 330] },
      { name: "left-3", box: [50, 329, 290, 380] },
      { name: "left-4", box: [50, 400, 290, 600] },
      { name: "right-2", box: [310, 390, 550, 600] },
    ];
    expect(read(blocks)).toEqual(["header", "left-1", "left-2", "left-3", "left-4", "right-1", "right-2"]);
  });

  it("reads a letter top to bottom: letterhead, fields label by label, then the body, though a gutter runs down the page", () => {
    const blocks: Named[] = [
      { name: "logo", box: [187, 79, 269, 104] },
      { name: "letterhead", box: [833, 118, 1046, 176] },
      { name: "address", box: [187, 331, 370, 404] },
      { name: "label-1", box: [187, 518, 290, 531] },
      { name: "value-1", box: [187, 542, 334, 561] },
      { name: "label-2", box: [618, 518, 726, 531] },
      { name: "value-2", box: [618, 542, 695, 561] },
      { name: "label-3", box: [833, 518, 890, 531] },
      { name: "value-3", box: [833, 542, 974, 561] },
      { name: "greeting", box: [187, 582, 244, 602] },
      { name: "body", box: [187, 625, 339, 644] },
      { name: "signature", box: [187, 791, 247, 810] },
    ];
    expect(read(blocks)).toEqual([
      "logo",
      "letterhead",
      "address",
      "label-1",
      "value-1",
      "label-2",
      "value-2",
      "label-3",
      "value-3",
      "greeting",
      "body",
      "signature",
    ]);
  });

  it("keeps a single column's order", () => {
    const blocks: Named[] = [
      { name: "a", box: [50, 100, 550, 150] },
      { name: "b", box: [50, 160, 300, 200] },
      { name: "c", box: [50, 210, 550, 260] },
    ];
    expect(read(blocks)).toEqual(["a", "b", "c"]);
  });
});
