import { createHash } from "node:crypto";
import { Embeddings } from "@langchain/core/embeddings";
import { BaseEmbedding } from "llamaindex";

/**
 * A tiny deterministic embedding, so the examples run offline with no model: each word of four
 * letters or more (common ones aside) is hashed into one of 256 buckets, and the counts are
 * normalised. Texts that share words end up close. Swap in a real embedding model for real work.
 */
export function hashVector(text: string): number[] {
  const vector = new Array<number>(256).fill(0);
  for (const word of text.toLowerCase().match(/[a-z]{4,}/g) ?? []) {
    if (COMMON.has(word)) continue;
    const bucket = createHash("md5").update(word).digest()[0] as number;
    vector[bucket] = (vector[bucket] as number) + 1;
  }
  const norm = Math.hypot(...vector) || 1;
  return vector.map((value) => value / norm);
}

const COMMON = new Set([
  "that",
  "this",
  "with",
  "from",
  "have",
  "will",
  "they",
  "their",
  "there",
  "what",
  "when",
  "which",
  "your",
  "them",
  "then",
  "than",
  "were",
  "been",
  "does",
  "much",
  "many",
  "more",
  "most",
  "into",
  "also",
  "each",
  "should",
  "would",
  "could",
  "about",
]);

/** `hashVector` as LangChain `Embeddings`. */
export class LocalHashEmbeddings extends Embeddings {
  constructor() {
    super({});
  }
  async embedDocuments(texts: string[]): Promise<number[][]> {
    return texts.map(hashVector);
  }
  async embedQuery(text: string): Promise<number[]> {
    return hashVector(text);
  }
}

/** `hashVector` as a LlamaIndex embedding model. */
export class LocalHashEmbedding extends BaseEmbedding {
  // biome-ignore lint/complexity/noUselessConstructor: BaseEmbedding's constructor is protected; this one is public.
  constructor() {
    super();
  }
  async getTextEmbedding(text: string): Promise<number[]> {
    return hashVector(text);
  }
}
