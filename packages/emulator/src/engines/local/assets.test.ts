import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { TESSDATA_FILE, tesseractLangPath } from "./assets.js";

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

describe("the English models", () => {
  it("ships tessdata_fast unmodified: the unpacked file has the SHA-256 models/README.md states", () => {
    const folder = tesseractLangPath("fast");
    const stated = /^([0-9a-f]{64}) {2}eng\.traineddata$/m.exec(readFileSync(join(folder, "README.md"), "utf8"))?.[1];
    expect(stated).toBeDefined();
    expect(sha256(gunzipSync(readFileSync(join(folder, TESSDATA_FILE))))).toBe(stated);
  });

  it("finds best in @tesseract.js-data/eng", () => {
    expect(tesseractLangPath("best")).toMatch(/@tesseract\.js-data[/\\]eng[/\\]4\.0\.0_best_int$/);
  });
});
