import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { pageId } from "@sotaocr/core/documents";
import type { RequestLogEntry } from "@sotaocr/emulator";
import { beforeAll, describe, expect, it } from "vitest";
import { syntheticPage } from "../../packages/emulator/src/engines/synthetic.js";
import type { ChaosReport } from "./chaos-run.js";
import { type CorpusDocument, corpus } from "./corpus.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const RUN = fileURLToPath(new URL("./chaos-run.ts", import.meta.url));
const SEED = 20_261_129;
/** The run must end by itself within this: a handle left open would keep it alive past it. */
const EXIT_WITHIN_MS = 60_000;

/** Runs chaos-run.ts in its own process; resolves with its report once it has exited by itself. */
async function runChaos(): Promise<{ report: ChaosReport; exit: { code: number | null; signal: string | null; ms: number; at: number } }> {
  const dir = await mkdtemp(join(tmpdir(), "sotaocr-chaos-report-"));
  const reportPath = join(dir, "report.json");
  const started = performance.now();
  const child = spawn(process.execPath, ["--import", "tsx", RUN, reportPath, String(SEED)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? tmpdir() },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const killer = setTimeout(() => child.kill("SIGKILL"), EXIT_WITHIN_MS);
  try {
    const [code, signal] = (await once(child, "exit")) as [number | null, string | null];
    const exit = { code, signal, ms: performance.now() - started, at: Date.now() };
    if (code !== 0) return { report: undefined as unknown as ChaosReport, exit };
    return { report: JSON.parse(await readFile(reportPath, "utf8")) as ChaosReport, exit };
  } finally {
    clearTimeout(killer);
    await rm(dir, { recursive: true, force: true });
  }
}

describe("chaos: 56 documents through SotaOcrLoader and SotaOcrReader against a faulty emulator", () => {
  const documents = corpus();
  const bySha = new Map(documents.map((document) => [document.sha256, document]));
  let report: ChaosReport;
  let exit: Awaited<ReturnType<typeof runChaos>>["exit"];

  beforeAll(async () => {
    ({ report, exit } = await runChaos());
  }, EXIT_WITHIN_MS + 10_000);

  /** The pages a healthy document must load as: every page, in order, with the synthetic engine's text. */
  const expectedPages = (document: CorpusDocument) =>
    Array.from({ length: document.pages }, (_, i) => ({ pageNumber: i + 1, text: syntheticPage(document.sha256, i + 1).markdown }));

  it("ends by itself (no dangling handles), without unhandled rejections, within its time budget", () => {
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.ms).toBeLessThan(EXIT_WITHIN_MS);
    // It ended right after writing its report: nothing (a keep-alive socket, a timer) held it on.
    expect(exit.at - report.writtenAt).toBeLessThan(2000);
    expect(report.unhandledRejections).toEqual([]);
    // Once everything is closed, no socket, server, timer or child process is left (stdio pipes and
    // Node's readers of file-backed Blobs aside: neither keeps a process alive).
    expect(report.resourcesAfterClose.filter((kind) => /TCP|UDP|Timeout|Immediate|Process|Signal/.test(kind))).toEqual([]);
  });

  it("met every kind of fault, and 429s and 503s with both Retry-After forms", () => {
    const faults = new Map<string, number>();
    for (const entry of report.log) if (entry.fault) faults.set(entry.fault, (faults.get(entry.fault) ?? 0) + 1);
    for (const kind of ["server_error", "rate_limit", "reset", "slow", "ambiguous_upload"]) {
      expect([kind, (faults.get(kind) ?? 0) > 0]).toEqual([kind, true]);
    }
    // retryAfter "both" alternates the form on each 429/503 answer: two or more answers show both.
    expect(report.log.filter((entry) => entry.status === 429 || entry.status === 503).length).toBeGreaterThanOrEqual(2);
    // Faults hit uploads, status polls and result fetches alike.
    const routesHit = new Set(report.log.filter((entry) => entry.fault).map((entry) => entry.route));
    expect([...routesHit].sort()).toEqual(["extract", "job", "result"]);
  });

  it("loads every healthy document through SotaOcrLoader with exactly its pages and their text, in input order", () => {
    const healthy = documents.filter((document) => document.through === "loader" && !document.fails);
    const expected = healthy.flatMap((document) =>
      expectedPages(document).map(({ pageNumber, text }) => ({
        source: document.via === "path" ? join(report.dir, document.name) : document.name,
        pageNumber,
        text,
        sha256: document.sha256,
        id: pageId(document.sha256, pageNumber),
      })),
    );
    expect(report.loader.pages.map(({ jobId: _jobId, ...page }) => page)).toEqual(expected);
    // One job per document, a different one for each.
    const jobs = new Map<string, Set<string>>();
    for (const page of report.loader.pages) jobs.set(page.source, (jobs.get(page.source) ?? new Set()).add(page.jobId));
    expect([...jobs.values()].every((ids) => ids.size === 1)).toBe(true);
    expect(new Set(report.loader.pages.map((page) => page.jobId)).size).toBe(healthy.length);
  });

  it("skips and reports the loader's failing documents as JobFailedError (onError: skip)", () => {
    const failing = documents.filter((document) => document.through === "loader" && document.fails);
    expect(report.loader.failures.map((failure) => basename(failure.source)).sort()).toEqual(
      failing.map((document) => document.name).sort(),
    );
    for (const { error } of report.loader.failures) {
      expect(error).toMatchObject({ name: "JobFailedError", isJobFailed: true, isSotaOcrError: true, code: "ocr_failed" });
      expect(error.jobId).toMatch(/^job_[0-9a-f]{24}$/);
      expect(error.message).toMatch(/upload it again/);
    }
  });

  it("reads every healthy document through SotaOcrReader with exactly its pages; failing ones throw JobFailedError into reader.failures", () => {
    const readerDocuments = documents.filter((document) => document.through === "reader");
    expect(report.reader.results.map((result) => result.name)).toEqual(readerDocuments.map((document) => document.name));
    for (const [index, document] of readerDocuments.entries()) {
      const result = report.reader.results[index] as ChaosReport["reader"]["results"][number];
      if (document.fails) {
        expect(result).toMatchObject({ name: document.name, error: { name: "JobFailedError", isJobFailed: true, code: "ocr_failed" } });
        continue;
      }
      expect(
        "pages" in result ? result.pages.map(({ pageNumber, text, source, id }) => ({ pageNumber, text, source, id })) : result,
      ).toEqual(
        expectedPages(document).map(({ pageNumber, text }) => ({
          pageNumber,
          text,
          source: document.name,
          id: pageId(document.sha256, pageNumber),
        })),
      );
      if ("pages" in result) expect(new Set(result.pages.map((page) => page.jobId)).size).toBe(1);
    }
    const failing = readerDocuments.filter((document) => document.fails);
    expect(report.reader.failures.map((failure) => basename(failure.source)).sort()).toEqual(
      failing.map((document) => document.name).sort(),
    );
    expect(report.reader.failures.every((failure) => failure.error.isJobFailed && failure.error.code === "ocr_failed")).toBe(true);
  });

  it("created exactly one job per document: every upload of a file carried one Idempotency-Key, and retries replayed its job", () => {
    const uploads = report.log.filter((entry) => entry.route === "extract");
    // Upload attempts cut before their body arrived have no hash: attribute them by their key.
    const keyOf = new Map<string, string>();
    for (const entry of uploads) if (entry.sha256 && entry.idempotencyKey) keyOf.set(entry.idempotencyKey, entry.sha256);
    expect(uploads.every((entry) => entry.idempotencyKey !== undefined && keyOf.has(entry.idempotencyKey))).toBe(true);
    const perDocument = new Map<string, { keys: Set<string>; jobs: Set<string> }>();
    for (const entry of uploads) {
      const sha = keyOf.get(entry.idempotencyKey as string) as string;
      const seen = perDocument.get(sha) ?? { keys: new Set(), jobs: new Set() };
      seen.keys.add(entry.idempotencyKey as string);
      if (entry.jobId) seen.jobs.add(entry.jobId);
      perDocument.set(sha, seen);
    }
    expect([...perDocument.keys()].sort()).toEqual(documents.map((document) => document.sha256).sort());
    for (const [sha, { keys, jobs }] of perDocument) {
      expect([bySha.get(sha)?.name, keys.size, jobs.size]).toEqual([bySha.get(sha)?.name, 1, 1]);
    }
    // Retried uploads happened, and the ones that reached the server whole after a job existed were replays.
    expect(uploads.length).toBeGreaterThan(documents.length);
    expect(new Set(uploads.map((entry) => entry.jobId).filter(Boolean)).size).toBe(documents.length);
  });

  it("polled no job faster than once a second, and the server never had to refuse a poll", () => {
    const byJob = new Map<string, RequestLogEntry[]>();
    for (const entry of report.log) if (entry.jobId) byJob.set(entry.jobId, [...(byJob.get(entry.jobId) ?? []), entry]);
    expect(byJob.size).toBe(documents.length);
    for (const [jobId, entries] of byJob) {
      // Every poll the client sent (status requests, and result requests while not ready), refused or faulted ones included.
      const polls = entries.filter((entry) => entry.poll).map((entry) => entry.time);
      for (let i = 1; i < polls.length; i++)
        expect([jobId, (polls[i] as number) - (polls[i - 1] as number) >= 1000]).toEqual([jobId, true]);
      // Every look (a poll, or a result request that found the job done: a short job's one look may be
      // that). The upload is not a poll (docs/api-contract.md, "Rate limits and polling"): a client that
      // learnt its key's pace may look sooner than a second after it, but never before the job exists.
      const looks = entries.filter((entry) => entry.route === "job" || entry.route === "result").map((entry) => entry.time);
      expect(looks.length).toBeGreaterThanOrEqual(1);
      const created = entries.find((entry) => entry.route === "extract" && entry.status === 200) as RequestLogEntry;
      expect((looks[0] as number) - (created.time + (created.durationMs ?? 0))).toBeGreaterThanOrEqual(0);
    }
    // A 429 the emulator chose itself (not an injected fault) would mean a poll came too early.
    expect(report.log.filter((entry) => entry.status === 429 && entry.fault === undefined)).toEqual([]);
  });
});
