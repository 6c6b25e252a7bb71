import { describe, expect, it } from "vitest";
import { boxOfPoints } from "./element-fields.js";
import { flattenMetadata } from "./flat-metadata.js";

describe("flattenMetadata", () => {
  it("leaves only primitive values: dotted keys for objects, JSON for arrays, nothing for null", () => {
    const flat = flattenMetadata({
      source: "a.pdf",
      loc: { pageNumber: 2, lines: { from: 1, to: 4 } },
      coordinates: {
        points: [
          [1, 2],
          [3, 4],
        ],
        layout_width: 100,
      },
      ok: true,
      gone: null,
      when: new Date(0),
      weird: Number.NaN,
    });
    expect(flat).toEqual({
      source: "a.pdf",
      "loc.pageNumber": 2,
      "loc.lines.from": 1,
      "loc.lines.to": 4,
      "coordinates.points": "[[1,2],[3,4]]",
      "coordinates.layout_width": 100,
      ok: true,
      when: "1970-01-01T00:00:00.000Z",
      weird: "NaN",
    });
    expect(flattenMetadata({ a: { b: 1 } }, "_")).toEqual({ a_b: 1 });
  });
});

describe("boxOfPoints", () => {
  it("reads the box of Unstructured-style corners, nested or as the JSON text flattenMetadata writes", () => {
    const points = [
      [144, 165.8],
      [144, 210.5],
      [615.3, 210.5],
      [615.3, 165.8],
    ];
    expect(boxOfPoints(points)).toEqual([144, 165.8, 615.3, 210.5]);
    expect(boxOfPoints(JSON.stringify(points))).toEqual([144, 165.8, 615.3, 210.5]);
    expect(boxOfPoints("not json")).toBeUndefined();
    expect(boxOfPoints([[1, "a"]])).toBeUndefined();
    expect(boxOfPoints([])).toBeUndefined();
  });
});
