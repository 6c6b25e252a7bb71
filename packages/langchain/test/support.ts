import { type ListKeyOptions, RecordManager, type UpdateOptions } from "@langchain/core/indexing";

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

export { collapse, dataPath, groundTruth } from "@sotaocr/test-support";
export { LocalHashEmbeddings as HashEmbeddings } from "@sotaocr/test-support/embeddings";
