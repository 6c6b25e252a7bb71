import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { JobJournal, type JournalEntry } from "./job-journal.js";

let root: string;
let journal: JobJournal;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "sotaocr-journal-"));
  await mkdir(join(root, "jobs"));
  journal = new JobJournal(root);
});
afterEach(() => rm(root, { recursive: true, force: true }));

const entryPath = (key: string) => join(root, "jobs", `${key}.json`);
const deadPid = () => spawnSync(process.execPath, ["-e", ""]).pid as number; // a process that has exited

describe("JobJournal", () => {
  it("gives an entry to one claimant; others wait while its holder lives", async () => {
    const first = await journal.claim("k");
    expect(first.owned).toBe(true);
    // Same process, still working on it: a second claim must wait (one upload per file).
    expect((await journal.claim("k")).owned).toBe(false);
  });

  it("hands a dead holder's entry over with its idempotency key and job id", async () => {
    const holder = { idempotencyKey: "key-1", jobId: "job_1", pid: deadPid(), host: hostname(), updatedAt: Date.now() };
    await writeFile(entryPath("k"), JSON.stringify(holder));
    const claim = await journal.claim("k");
    expect(claim).toMatchObject({ owned: true, entry: { idempotencyKey: "key-1", jobId: "job_1", pid: process.pid } });
    expect(JSON.parse(await readFile(entryPath("k"), "utf8")).pid).toBe(process.pid);
  });

  it("hands over an entry its holder let go of (pid 0), and replaces a damaged one", async () => {
    const { entry } = (await journal.claim("k")) as { entry: { idempotencyKey: string } };
    await journal.update("k", { ...entry, idempotencyKey: entry.idempotencyKey, pid: 0, host: hostname(), updatedAt: 0 });
    expect(await journal.claim("k")).toMatchObject({ owned: true, entry: { idempotencyKey: entry.idempotencyKey } });
    await writeFile(entryPath("k"), "{ not json");
    const fresh = await journal.claim("k");
    expect(fresh.owned).toBe(true);
    expect((fresh as { entry: { idempotencyKey: string } }).entry.idempotencyKey).not.toBe(entry.idempotencyKey);
  });

  it("waits for a recent holder on another machine, takes over an old one", async () => {
    const other = { idempotencyKey: "key-2", pid: 1, host: "another-host", updatedAt: Date.now() };
    await writeFile(entryPath("k"), JSON.stringify(other));
    expect((await journal.claim("k")).owned).toBe(false);
    await writeFile(entryPath("k"), JSON.stringify({ ...other, updatedAt: Date.now() - 3_600_000 }));
    expect(await journal.claim("k")).toMatchObject({ owned: true, entry: { idempotencyKey: "key-2" } });
  });

  it("release removes the entry, so the next claim starts afresh", async () => {
    const { entry } = (await journal.claim("k")) as { entry: JournalEntry };
    await journal.release("k", entry);
    expect((await journal.claim("k")).owned).toBe(true);
  });

  it("a holder that stalled and was taken over writes and removes nothing more", async () => {
    const { entry } = (await journal.claim("k")) as { entry: JournalEntry };
    const taker = { ...entry, pid: process.ppid, run: "the-process-that-took-over", updatedAt: Date.now() };
    await writeFile(entryPath("k"), JSON.stringify(taker));
    expect(await journal.update("k", { ...entry, jobId: "job_late" })).toBe(false);
    await journal.release("k", entry);
    expect(JSON.parse(await readFile(entryPath("k"), "utf8"))).toEqual(taker);
  });

  it("takes over past a takeover lock whose taker died before rewriting the entry", async () => {
    const dead = { idempotencyKey: "key-7", jobId: "job_7", pid: deadPid(), host: hostname(), updatedAt: Date.now() };
    await writeFile(entryPath("k"), JSON.stringify(dead));
    const lock = join(root, "jobs", "k.takeover", `${dead.updatedAt}-${dead.pid}-key-7.0`);
    await mkdir(join(root, "jobs", "k.takeover"), { recursive: true });
    await writeFile(lock, "");
    expect((await journal.claim("k")).owned).toBe(false); // a fresh lock: its taker is at work
    const longAgo = new Date(Date.now() - 60_000);
    await utimes(lock, longAgo, longAgo);
    expect(await journal.claim("k")).toMatchObject({ owned: true, entry: { jobId: "job_7" } });
  });

  it("takes over an entry of its own pid from an earlier process (a restarted container reuses pids)", async () => {
    const earlier = {
      idempotencyKey: "key-3",
      jobId: "job_3",
      pid: process.pid,
      host: hostname(),
      run: "an-earlier-run",
      updatedAt: Date.now(),
    };
    await writeFile(entryPath("k"), JSON.stringify(earlier));
    expect(await journal.claim("k")).toMatchObject({ owned: true, entry: { idempotencyKey: "key-3", jobId: "job_3" } });
  });

  it("takes over an entry no one refreshed for minutes, even if its pid is alive (hung, or the pid reused)", async () => {
    const alive = { idempotencyKey: "key-4", jobId: "job_4", pid: process.ppid, host: hostname(), updatedAt: Date.now() };
    await writeFile(entryPath("k"), JSON.stringify(alive));
    expect((await journal.claim("k")).owned).toBe(false);
    await writeFile(entryPath("k"), JSON.stringify({ ...alive, updatedAt: Date.now() - 10 * 60_000 }));
    expect(await journal.claim("k")).toMatchObject({ owned: true, entry: { jobId: "job_4" } });
  });

  it("lets exactly one of many racing claimants take over a dead or damaged entry", async () => {
    for (const content of [
      JSON.stringify({ idempotencyKey: "key-5", jobId: "job_5", pid: deadPid(), host: hostname(), updatedAt: Date.now() }),
      "{ damaged",
    ]) {
      await rm(join(root, "jobs"), { recursive: true, force: true });
      await mkdir(join(root, "jobs"));
      await writeFile(entryPath("k"), content);
      const claims = await Promise.all(Array.from({ length: 12 }, () => new JobJournal(root).claim("k")));
      expect(claims.filter((claim) => claim.owned)).toHaveLength(1);
    }
  });

  it("tells those who wait about a failed job for a minute, then lets the file be tried again", async () => {
    const { entry } = (await journal.claim("k")) as { entry: { idempotencyKey: string; pid: number; host: string; updatedAt: number } };
    const failed = { status: "failed", code: "encrypted_pdf", message: "The PDF is encrypted." };
    await journal.update("k", { ...entry, jobId: "job_6", failed });
    expect(await new JobJournal(root).claim("k")).toEqual({ owned: false, failed: { jobId: "job_6", ...failed } });
    const old = JSON.parse(await readFile(entryPath("k"), "utf8"));
    await writeFile(entryPath("k"), JSON.stringify({ ...old, updatedAt: Date.now() - 5 * 60_000 }));
    const retry = await new JobJournal(root).claim("k");
    expect(retry.owned).toBe(true);
    // A new upload: a new idempotency key, no job to resume.
    expect((retry as { entry: { idempotencyKey: string; jobId?: string } }).entry.jobId).toBeUndefined();
    expect((retry as { entry: { idempotencyKey: string } }).entry.idempotencyKey).not.toBe(entry.idempotencyKey);
  });

  it("gives a caller's own idempotency key to a fresh entry, and to one it takes over (keeping its job id)", async () => {
    expect(await journal.claim("k", "caller-key")).toMatchObject({ owned: true, entry: { idempotencyKey: "caller-key" } });
    const left = { idempotencyKey: "journal-key", jobId: "job_8", pid: 0, host: hostname(), updatedAt: Date.now() };
    await writeFile(entryPath("j"), JSON.stringify(left));
    expect(await new JobJournal(root).claim("j", "caller-key")).toMatchObject({
      owned: true,
      entry: { idempotencyKey: "caller-key", jobId: "job_8" },
    });
    expect(JSON.parse(await readFile(entryPath("j"), "utf8")).idempotencyKey).toBe("caller-key");
  });

  it("tells the taker of a job when its previous holder may last have asked about it", async () => {
    const now = Date.now();
    const takeOver = async (entry: Record<string, unknown>) => {
      await writeFile(entryPath("k"), JSON.stringify({ idempotencyKey: "key-9", jobId: "job_9", host: hostname(), ...entry }));
      return (await new JobJournal(root).claim("k")) as { owned: boolean; lastRequestAt?: number };
    };
    // Let go (pid 0): its last write came after its last request.
    expect(await takeOver({ pid: 0, updatedAt: now - 5_000 })).toMatchObject({ owned: true, lastRequestAt: now - 5_000 });
    // Ended (crashed) minutes ago: it stopped before its next heartbeat was due.
    const crashedLongAgo = await takeOver({ pid: deadPid(), updatedAt: now - 100_000 });
    expect(crashedLongAgo.lastRequestAt).toBe(now - 100_000 + 60_000);
    // Ended a moment ago: as late as now.
    const crashedNow = await takeOver({ pid: deadPid(), updatedAt: now - 1_000 });
    expect(crashedNow.lastRequestAt).toBeGreaterThanOrEqual(now);
    // Quiet on another machine: it may still be at it.
    const quiet = await takeOver({ pid: 1, host: "another-host", updatedAt: now - 3_600_000 });
    expect(quiet.lastRequestAt).toBeGreaterThanOrEqual(now);
    // No job yet: nothing was asked about one.
    expect((await takeOver({ jobId: undefined, pid: 0, updatedAt: now })).lastRequestAt).toBeUndefined();
  });
});
