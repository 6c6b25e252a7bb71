import { randomUUID } from "node:crypto";
import { rm, stat } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { createFileExclusive, readJsonFile, writeFileAtomic } from "./atomic-file.js";

/** A job some process is working on, as written to the journal. */
export interface JournalEntry {
  /** Sent with every upload attempt for this entry, so a rerun after a crash cannot create a second job. */
  idempotencyKey: string;
  /** Set once the upload answered. */
  jobId?: string | undefined;
  /** The process working on it; 0 once it let go (aborted, timed out) without finishing. */
  pid: number;
  host: string;
  updatedAt: number;
}

export type Claim = { owned: true; entry: JournalEntry } | { owned: false };

/** An entry of a process on another machine is stale after this long without an update. */
const OTHER_HOST_STALE_MS = 30 * 60_000;

/**
 * The jobs in flight, one small file each, so that work survives the process: a rerun after a
 * crash resumes waiting on the job it finds (or re-sends the upload with the same idempotency
 * key), and a second process loading the same file waits for the first instead of uploading again.
 * Claiming creates the entry exclusively, so two processes cannot both start the same upload.
 */
export class JobJournal {
  readonly #dir: string;

  constructor(root: string) {
    this.#dir = join(root, "jobs");
  }

  /** Takes the entry for `key` when nobody alive holds it (creating it, or taking over a dead holder's). */
  async claim(key: string): Promise<Claim> {
    const path = this.#path(key);
    const fresh: JournalEntry = { idempotencyKey: randomUUID(), pid: process.pid, host: hostname(), updatedAt: Date.now() };
    if (await createFileExclusive(path, JSON.stringify(fresh))) return { owned: true, entry: fresh };
    const existing = (await readJsonFile(path)) as JournalEntry | undefined;
    if (!existing?.idempotencyKey) {
      // Released a moment ago (claim again), or unreadable: a damaged entry no one can resume.
      if ((await ageMs(path)) !== Number.POSITIVE_INFINITY) await rm(path, { force: true });
      return this.claim(key);
    }
    if (isHeld(existing)) return { owned: false };
    const taken = { ...existing, pid: process.pid, host: hostname(), updatedAt: Date.now() };
    await writeFileAtomic(path, JSON.stringify(taken));
    return { owned: true, entry: taken };
  }

  async update(key: string, entry: JournalEntry): Promise<void> {
    await writeFileAtomic(this.#path(key), JSON.stringify({ ...entry, updatedAt: Date.now() }));
  }

  async release(key: string): Promise<void> {
    await rm(this.#path(key), { force: true });
  }

  #path(key: string): string {
    return join(this.#dir, `${key}.json`);
  }
}

async function ageMs(path: string): Promise<number> {
  try {
    return Date.now() - (await stat(path)).mtimeMs;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/** Someone alive is working on it: a live process on this machine, or a recent one elsewhere. */
function isHeld(entry: JournalEntry): boolean {
  if (entry.pid === 0) return false;
  if (entry.host !== hostname()) return Date.now() - entry.updatedAt < OTHER_HOST_STALE_MS;
  if (entry.pid === process.pid) return true;
  try {
    process.kill(entry.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
