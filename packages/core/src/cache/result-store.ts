import { createHash } from "node:crypto";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { OcrResult } from "../types.js";
import { readJsonFile, writeFileAtomic } from "./atomic-file.js";

const VERSION = 1;

/**
 * Finished results on disk, one JSON file each, keyed by what determines a result: the file's
 * bytes, the page ranges, the model profile, the format and the service. Each entry carries a
 * checksum of its result, so a corrupt or partial entry is detected and ignored; writes are atomic,
 * so processes sharing the folder never see half a file.
 */
export class ResultStore {
  readonly #dir: string;

  constructor(root: string) {
    this.#dir = join(root, "results");
  }

  async read(key: string): Promise<OcrResult | undefined> {
    const path = this.#path(key);
    const entry = (await readJsonFile(path)) as { version?: number; key?: string; checksum?: string; result?: OcrResult } | undefined;
    if (!entry) return undefined;
    if (entry.version !== VERSION || entry.key !== key || !entry.result || entry.checksum !== checksum(entry.result)) {
      await rm(path, { force: true });
      return undefined;
    }
    return entry.result;
  }

  async write(key: string, result: OcrResult): Promise<void> {
    await writeFileAtomic(this.#path(key), JSON.stringify({ version: VERSION, key, checksum: checksum(result), result }));
  }

  #path(key: string): string {
    return join(this.#dir, `${key}.json`);
  }
}

function checksum(result: OcrResult): string {
  return createHash("sha256").update(JSON.stringify(result)).digest("hex");
}

/** A short stable key from the parts that identify a result or a job. */
export function cacheKey(parts: Record<string, unknown>): string {
  return createHash("sha256").update(JSON.stringify(parts)).digest("hex").slice(0, 40);
}
