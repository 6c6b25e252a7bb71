import { describe, expect, it } from "vitest";
import { HIDDEN, redactor, secretsOf } from "./redact.js";

describe("redactor", () => {
  it("hides every occurrence, whatever the key's length", () => {
    expect(redactor(["Q"])("Q and QQ")).toBe(`${HIDDEN} and ${HIDDEN}${HIDDEN}`);
    expect(redactor(["sk-123456789"])("Bearer sk-123456789, again sk-123456789")).toBe(`Bearer ${HIDDEN}, again ${HIDDEN}`);
  });

  it("leaves no occurrence behind, even where occurrences overlap or touch the marker", () => {
    for (const [key, text] of [
      ["aa", "aaaaa"],
      ["aba", "ababababa"],
      ["]:", "]:]::"],
      ["d", "redacted"],
    ] as const) {
      expect(redactor([key])(text)).not.toContain(key);
    }
  });

  it("hides the key as it reads inside a JSON string", () => {
    const key = 'sk-"x\\y"';
    const json = JSON.stringify({ message: `echo ${key}` });
    const hidden = redactor([key])(json);
    expect(hidden).not.toContain(key);
    expect(hidden).not.toContain(JSON.stringify(key).slice(1, -1));
    expect(JSON.parse(hidden)).toEqual({ message: `echo ${HIDDEN}` });
  });

  it("changes nothing without a key", () => {
    expect(redactor([undefined, ""])("text")).toBe("text");
  });
});

describe("secretsOf", () => {
  it("finds --api-key in both spellings, and SOTAOCR_API_KEY", () => {
    expect(secretsOf(["node", "sotaocr", "balance", "--api-key", "k1", "--api-key=k2", "--api-key"], { SOTAOCR_API_KEY: "k0" })).toEqual([
      "k0",
      "k1",
      "k2",
    ]);
    expect(secretsOf(["node", "sotaocr", "balance"], {})).toEqual([]);
  });
});
