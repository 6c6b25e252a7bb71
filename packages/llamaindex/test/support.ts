import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { BaseEmbedding } from "@llamaindex/core/embeddings";

export const DATA = new URL("../../../examples/data/", import.meta.url);
export const dataPath = (name: string) => new URL(name, DATA).pathname;
export const groundTruth = JSON.parse(readFileSync(new URL("ground-truth.json", DATA), "utf8")) as Record<string, string[]>;
export const collapse = (text: string) =>
  text
    .replace(/[#*_>`]/g, "")
    .replace(/\s+/g, " ")
    .trim();

/** A small deterministic embedding for tests (no network, no model): hashed bag of words. */
export class HashEmbedding extends BaseEmbedding {
  constructor() {
    super();
  }
  async getTextEmbedding(text: string): Promise<number[]> {
    const vector = new Array<number>(256).fill(0);
    for (const word of text.toLowerCase().match(/[a-z]{3,}/g) ?? []) {
      const bucket = createHash("md5").update(word).digest()[0] as number;
      vector[bucket] = (vector[bucket] as number) + 1;
    }
    const norm = Math.hypot(...vector) || 1;
    return vector.map((value) => value / norm);
  }
}
