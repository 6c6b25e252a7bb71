import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { LocalHashEmbedding } from "@sotaocr/test-support/embeddings";
import { type ImageType, MultiModalEmbedding } from "llamaindex";

export { collapse, dataPath, groundTruth } from "@sotaocr/test-support";
export { LocalHashEmbedding as HashEmbedding } from "@sotaocr/test-support/embeddings";

/**
 * A deterministic multimodal embedding for tests, as `HashEmbedding` is for text: an image is read
 * (from a path, a file URL or a Blob) and embedded as its normalised byte histogram, so the same
 * image scores 1 and another less; text goes through `HashEmbedding`.
 */
export class ByteHistogramImageEmbedding extends MultiModalEmbedding {
  readonly #text = new LocalHashEmbedding();
  /** Every image this model read, as it was given. */
  readonly seen: ImageType[] = [];

  // biome-ignore lint/complexity/noUselessConstructor: MultiModalEmbedding's constructor is protected; this one is public.
  constructor() {
    super();
  }

  async getTextEmbedding(text: string): Promise<number[]> {
    return this.#text.getTextEmbedding(text);
  }

  async getImageEmbedding(image: ImageType): Promise<number[]> {
    this.seen.push(image);
    const bytes =
      image instanceof Blob
        ? new Uint8Array(await image.arrayBuffer())
        : await readFile(image instanceof URL || image.startsWith("file:") ? fileURLToPath(image) : image);
    const vector = new Array<number>(256).fill(0);
    for (const byte of bytes) vector[byte] = (vector[byte] as number) + 1;
    const norm = Math.hypot(...vector) || 1;
    return vector.map((value) => value / norm);
  }
}
