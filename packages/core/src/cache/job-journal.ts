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
  /** This process among all that had its pid (a restarted container often gets the same one). */
  run?: string | undefined;
  /** Refreshed while the holder works (`HEARTBEAT_MS`): an entry left alone longer has no one behind it. */
  updatedAt: number;
  /** The job failed: processes that waited on it get the failure instead of uploading the file again. */
  failed?: { status: string; code?: string | undefined; message?: string | undefined } | undefined;
}

export type Claim =
  | {
      owned: true;
      entry: JournalEntry;
      /**
       * Taking over a job: the latest moment (epoch ms) its previous holder may have sent a request
       * about it, so the first poll keeps the API's interval after it.
       */
      lastRequestAt?: number | undefined;
    }
  | { owned: false; failed?: { jobId: string | undefined; status: string; code?: string | undefined; message?: string | undefined } };

/** How often a holder refreshes its entry. */
export const HEARTBEAT_MS = 30_000;
/** An entry not refreshed for this long is taken over, whatever its pid says (a hung holder, another machine, a reused pid). */
const STALE_MS = 4 * HEARTBEAT_MS;
/** How long a failure stays for the processes that waited on the job; later runs try the file again. */
const FAILURE_MEMORY_MS = 60_000;

const RUN_ID = randomUUID();
/** A takeover rewrites the entry right after taking its lock; a lock this old with the entry unchanged was abandoned. */
const STALE_LOCK_MS = 10_000;
const MAX_LOCK_GENERATIONS = 100;

/**
 * The jobs in flight, one small file each, so that work survives the process: a rerun after a
 * crash resumes waiting on the job it finds (or re-sends the upload with the same idempotency
 * key), and a second process loading the same file waits for the first instead of uploading again.
 * Claiming creates the entry exclusively, and taking over an abandoned one takes an exclusive
 * lock named after the entry as it was, so two processes can never both own one.
 */
export class JobJournal {
  readonly #dir: string;

  constructor(root: string) {
    this.#dir = join(root, "jobs");
  }

  /**
   * Takes the entry for `key` when nobody alive holds it (creating it, or taking over an abandoned
   * one). `idempotencyKey`, the caller's own, replaces the journal's for the uploads to come.
   */
  async claim(key: string, idempotencyKey?: string): Promise<Claim> {
    const path = this.#path(key);
    for (;;) {
      const fresh: JournalEntry = { idempotencyKey: idempotencyKey ?? randomUUID(), ...ownedNow() };
      if (await createFileExclusive(path, JSON.stringify(fresh))) return { owned: true, entry: fresh };
      const found = await readEntry(path);
      if (!found) continue; // released a moment ago: claim again
      const { entry, stamp } = found;
      if (entry?.failed && Date.now() - entry.updatedAt < FAILURE_MEMORY_MS) {
        return { owned: false, failed: { jobId: entry.jobId, ...entry.failed } };
      }
      if (entry && !entry.failed && isHeld(entry)) return { owned: false };
      // Abandoned, failed long ago, or damaged: take it over, keeping what lets the job be resumed.
      const resumable = entry && !entry.failed ? entry : undefined;
      const taken: JournalEntry = resumable
        ? { ...resumable, ...ownedNow(), idempotencyKey: idempotencyKey ?? resumable.idempotencyKey }
        : fresh;
      if (!(await this.#takeOver(key, stamp, taken))) return { owned: false };
      return { owned: true, entry: taken, lastRequestAt: resumable?.jobId ? lastRequestBy(resumable) : undefined };
    }
  }

  /**
   * Writes the holder's entry (a job id, a failure), refreshing its heartbeat. False, and nothing
   * written, when the entry is no longer this holder's (it stalled and was taken over).
   */
  async update(key: string, entry: JournalEntry): Promise<boolean> {
    if (!(await this.#stillHeld(key, entry))) return false;
    await writeFileAtomic(this.#path(key), JSON.stringify({ ...entry, updatedAt: Date.now() }));
    return true;
  }

  /** Removes the holder's entry, unless someone took it over meanwhile. */
  async release(key: string, entry: JournalEntry): Promise<void> {
    if (!(await this.#stillHeld(key, entry))) return;
    await rm(this.#path(key), { force: true });
    await rm(this.#locks(key), { recursive: true, force: true });
  }

  async #stillHeld(key: string, entry: JournalEntry): Promise<boolean> {
    const current = (await readEntry(this.#path(key)))?.entry;
    return current?.run === RUN_ID && current.idempotencyKey === entry.idempotencyKey;
  }

  /**
   * Whoever creates the lock for the entry as judged wins; the entry must still be that one. A
   * lock whose taker died before rewriting the entry is not removed (two could race to remove it):
   * the next generation of the lock is tried instead.
   */
  async #takeOver(key: string, stamp: string, taken: JournalEntry): Promise<boolean> {
    for (let generation = 0; generation < MAX_LOCK_GENERATIONS; generation++) {
      const lock = join(this.#locks(key), `${stamp}.${generation}`);
      if (await createFileExclusive(lock, "")) {
        const now = await readEntry(this.#path(key));
        if (now?.stamp !== stamp) return false;
        await writeFileAtomic(this.#path(key), JSON.stringify(taken));
        return true;
      }
      // Taken a moment ago: its taker is rewriting the entry. Taken long ago with the entry
      // unchanged: its taker died in between.
      if ((await ageMs(lock)) < STALE_LOCK_MS) return false;
    }
    return false;
  }

  #path(key: string): string {
    return join(this.#dir, `${key}.json`);
  }

  #locks(key: string): string {
    return join(this.#dir, `${key}.takeover`);
  }
}

function ownedNow(): Pick<JournalEntry, "pid" | "host" | "run" | "updatedAt"> {
  return { pid: process.pid, host: hostname(), run: RUN_ID, updatedAt: Date.now() };
}

/** The entry (undefined if damaged) and a name for its exact state; nothing when the file is gone. */
async function readEntry(path: string): Promise<{ entry: JournalEntry | undefined; stamp: string } | undefined> {
  const value = (await readJsonFile(path)) as JournalEntry | undefined;
  if (value && typeof value.idempotencyKey === "string" && typeof value.updatedAt === "number") {
    return { entry: value, stamp: `${value.updatedAt}-${value.pid}-${value.idempotencyKey}`.replace(/[^\w.-]/g, "_") };
  }
  try {
    const stats = await stat(path);
    return { entry: undefined, stamp: `damaged-${stats.ino}-${stats.mtimeMs}` };
  } catch {
    return undefined;
  }
}

async function ageMs(path: string): Promise<number> {
  try {
    return Date.now() - (await stat(path)).mtimeMs;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/** Someone alive is working on it: refreshed lately, by this process or by a live one. */
function isHeld(entry: JournalEntry): boolean {
  if (entry.pid === 0) return false;
  if (Date.now() - entry.updatedAt > STALE_MS) return false;
  return !hasEnded(entry);
}

/** The holder's process is known to have ended: its pid is gone from this machine, or is this process in a later run. */
function hasEnded(entry: JournalEntry): boolean {
  if (entry.host !== hostname()) return false;
  if (entry.pid === process.pid) return entry.run !== RUN_ID;
  try {
    process.kill(entry.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== "EPERM";
  }
}

/**
 * The latest moment a holder that no longer holds the entry may have sent a request about its job,
 * without a write per poll: one that let go (pid 0) did so last, after its last request; one that
 * ended did so before now, and before the heartbeat after its last one was due (two, for slack);
 * one that went quiet (hung, or on another machine) may be at it still, so now.
 */
function lastRequestBy(entry: JournalEntry): number {
  const now = Date.now();
  if (entry.pid === 0) return Math.min(now, entry.updatedAt);
  return hasEnded(entry) ? Math.min(now, entry.updatedAt + 2 * HEARTBEAT_MS) : now;
}
