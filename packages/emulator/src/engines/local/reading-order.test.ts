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

  it("keeps a single column's order", () => {
    const blocks: Named[] = [
      { name: "a", box: [50, 100, 550, 150] },
      { name: "b", box: [50, 160, 300, 200] },
      { name: "c", box: [50, 210, 550, 260] },
    ];
    expect(read(blocks)).toEqual(["a", "b", "c"]);
  });
});
