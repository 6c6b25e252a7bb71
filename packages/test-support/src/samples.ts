import { readFileSync } from "node:fs";

/** The sample documents in examples/data and the text of each of their pages. */
export const DATA = new URL("../../../examples/data/", import.meta.url);
export const dataPath = (name: string): string => new URL(name, DATA).pathname;
export const groundTruth = JSON.parse(readFileSync(new URL("ground-truth.json", DATA), "utf8")) as Record<string, string[]>;

/** Text without markdown marks and with whitespace collapsed, for comparing page text. */
export const collapse = (text: string): string =>
  text
    .replace(/[#*_>`]/g, "")
    .replace(/\s+/g, " ")
    .trim();
