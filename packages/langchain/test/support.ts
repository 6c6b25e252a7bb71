import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { Embeddings } from "@langchain/core/embeddings";
import { type ListKeyOptions, RecordManager, type UpdateOptions } from "@langchain/core/indexing";

export const DATA = new URL("../../../examples/data/", import.meta.url);
export const dataPath = (name: string) => new URL(name, DATA).pathname;
export const groundTruth = JSON.parse(readFileSync(new URL("ground-truth.json", DATA), "utf8")) as Record<string, string[]>;
export const collapse = (text: string) =>
  text
    .replace(/[#*_>`]/g, "")
    .replace(/\s+/g, " ")
    .trim();

/**
 * A small deterministic embedding for tests (no network, no model): words hashed into 256 buckets,
 * counts normalised. Texts that share words end up close.
 */
export class HashEmbeddings extends Embeddings {
  constructor() {
    super({});
  }
  async embedDocuments(texts: string[]): Promise<number[][]> {
    return texts.map((text) => this.#embed(text));
  }
  async embedQuery(text: string): Promise<number[]> {
    return this.#embed(text);
  }
  #embed(text: string): number[] {
    const vector = new Array<number>(256).fill(0);
    for (const word of text.toLowerCase().match(/[a-z]{3,}/g) ?? []) {
      const bucket = createHash("md5").update(word).digest()[0] as number;
      vector[bucket] = (vector[bucket] as number) + 1;
    }
    const norm = Math.hypot(...vector) || 1;
    return vector.map((value) => value / norm);
  }
}

/** An in-memory RecordManager for LangChain's `index()` (the one in @langchain/community, without the dependency). */
export class MemoryRecordManager extends RecordManager {
  override lc_namespace = ["test", "record_manager"];
  readonly records = new Map<string, { updatedAt: number; groupId: string | null }>();
  #clock = 0;

  override async createSchema(): Promise<void> {}
  override async getTime(): Promise<number> {
    this.#clock = Math.max(this.#clock + 1, Date.now());
    return this.#clock;
  }
  override async update(keys: string[], options?: UpdateOptions): Promise<void> {
    const updatedAt = await this.getTime();
    keys.forEach((key, i) => {
      this.records.set(key, { updatedAt, groupId: options?.groupIds?.[i] ?? null });
    });
  }
  override async exists(keys: string[]): Promise<boolean[]> {
    return keys.map((key) => this.records.has(key));
  }
  override async listKeys(options?: ListKeyOptions): Promise<string[]> {
    return [...this.records.entries()]
      .filter(
        ([, record]) =>
          (options?.before === undefined || record.updatedAt < options.before) &&
          (options?.after === undefined || record.updatedAt > options.after),
      )
      .filter(([, record]) => !options?.groupIds || options.groupIds.includes(record.groupId))
      .slice(0, options?.limit ?? Number.POSITIVE_INFINITY)
      .map(([key]) => key);
  }
  override async deleteKeys(keys: string[]): Promise<void> {
    for (const key of keys) this.records.delete(key);
  }
}
