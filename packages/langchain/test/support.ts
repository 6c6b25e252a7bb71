import { type ListKeyOptions, RecordManager, type UpdateOptions } from "@langchain/core/indexing";
import type { Engine, EngineBlock, EngineDocument, EnginePage } from "@sotaocr/emulator";
import { PNG } from "pngjs";

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

/** The table on page 1 of `tableEngine`'s documents. */
export const TABLE = {
  html:
    "<table><tr><th>Vehicle</th><th>Last service</th><th>Next service</th></tr>" +
    "<tr><td>Truck 12</td><td>2024-03-02</td><td>2024-09-02</td></tr>" +
    "<tr><td>Van 7</td><td>2024-01-15</td><td>2024-07-15</td></tr>" +
    "<tr><td>Forklift 3</td><td>2023-11-30</td><td>2024-05-30</td></tr></table>",
  bbox: [100, 400, 1100, 640] as [number, number, number, number],
};

/**
 * An emulator engine whose every document has two structured pages, the first with a table (as
 * the real service sends one: an HTML block, and HTML inside the page's markdown), until the
 * emulator's own engines detect tables. Previews are blank PNGs of the page's size.
 */
export function tableEngine(): Engine {
  const [width, height] = [1200, 1600];
  const block = (type: string, text: string, bbox: [number, number, number, number]): EngineBlock => ({ type, text, bbox, score: 0.98 });
  const intro = "The fleet is serviced every six months. The table lists each vehicle's last and next service.";
  const outro = "Vehicles overdue for service must not leave the depot until a mechanic has signed them off.";
  const pages: EnginePage[] = [
    {
      markdown: `# Fleet Maintenance Log\n\n${intro}\n\n${TABLE.html}\n\n${outro}`,
      text: `Fleet Maintenance Log\n\n${intro}\n\n${outro}`,
      blocks: [
        block("doc_title", "Fleet Maintenance Log", [100, 100, 800, 160]),
        block("text", intro, [100, 200, 1100, 320]),
        block("table", TABLE.html, TABLE.bbox),
        block("text", outro, [100, 700, 1100, 820]),
        block("footer", "", [100, 1500, 1100, 1540]),
      ],
      width,
      height,
      angle: 0,
      method: "synthetic",
    },
    {
      markdown: "## Fuel Policy\n\nDrivers refuel with the company card at partner stations only and keep every receipt.",
      text: "Fuel Policy\n\nDrivers refuel with the company card at partner stations only and keep every receipt.",
      blocks: [
        block("paragraph_title", "Fuel Policy", [100, 100, 600, 150]),
        block("text", "Drivers refuel with the company card at partner stations only and keep every receipt.", [100, 180, 1100, 260]),
      ],
      width,
      height,
      angle: 0,
      method: "synthetic",
    },
  ];
  const preview = new Uint8Array(PNG.sync.write(new PNG({ width, height })));
  return {
    name: "table-test",
    async open(): Promise<EngineDocument> {
      return {
        pageCount: pages.length,
        readPage: async (pageNumber) => pages[pageNumber - 1] as EnginePage,
        previewPage: async () => preview,
        close: async () => {},
      };
    },
    async close() {},
  };
}
