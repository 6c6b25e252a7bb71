import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { SotaOcrClient } from "@sotaocr/core";
import { type Emulator, startEmulator } from "@sotaocr/emulator";
import { makePdf } from "@sotaocr/test-support";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FaultProxy, startFaultProxy } from "./fault-proxy.js";

// A run that failed with the cache on, then a rerun with the same cache: what the server saw across
// both, counted in jobs created and idempotency keys sent. The emulator honours Idempotency-Key
// (same key, same job); a proxy in front of it loses the answers a test picks.
const CORE = new URL("../../packages/core/dist/index.js", import.meta.url).href;
let emulator: Emulator;
let proxy: FaultProxy;
let cacheDir: string;
const pdf = (tag: string) => makePdf([`${tag} one`, `${tag} two`, `${tag} three`]);

beforeAll(async () => {
  emulator = await startEmulator({ engine: "synthetic", synthetic: { msPerPage: 100 } });
  proxy = await startFaultProxy(emulator.url);
});
afterAll(async () => {
  await proxy?.close();
  await emulator?.close();
});
beforeEach(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), "sotaocr-rerun-"));
  emulator.log.clear();
  proxy.decide = () => "forward";
});
afterEach(() => rm(cacheDir, { recursive: true, force: true }));

const client = (options: ConstructorParameters<typeof SotaOcrClient>[0] = {}) =>
  new SotaOcrClient({ apiKey: emulator.apiKey, baseUrl: proxy.url, cache: cacheDir, ...options });
const uploads = () => emulator.log.uploads();
const jobsCreated = () => new Set(uploads().map((entry) => entry.jobId)).size;
const keysSent = () => new Set(uploads().map((entry) => entry.idempotencyKey)).size;
const journalEntries = async () => (await readdir(join(cacheDir, "jobs"))).filter((name) => name.endsWith(".json"));
const firstUpload = (action: "forward-then-drop" | { forwardThenStatus: number }) => {
  let spoiled = false;
  proxy.decide = ({ method }) => {
    if (method !== "POST" || spoiled) return "forward";
    spoiled = true;
    return action;
  };
};

describe("a failed run is remembered: the rerun resumes it instead of paying again", () => {
  it("an upload whose answer was lost after the whole file was sent: the rerun re-sends the same key, one job", async () => {
    firstUpload("forward-then-drop");
    const failed = await client()
      .ocr(pdf("lost"))
      .catch((e: unknown) => e);
    expect(failed).toMatchObject({ name: "APIConnectionError", mayHaveCreatedJob: true });
    const result = await client().ocr(pdf("lost"));
    expect(result.pages).toHaveLength(3);
    expect(uploads()).toHaveLength(2);
    expect(jobsCreated()).toBe(1);
    expect(keysSent()).toBe(1);
    expect(await journalEntries()).toEqual([]); // the result is stored: nothing left to resume
  });

  it("an upload answered 500 (the job may exist): the rerun re-sends the same key, one job", async () => {
    firstUpload({ forwardThenStatus: 500 });
    const failed = await client()
      .ocr(pdf("five hundred"))
      .catch((e: unknown) => e);
    expect(failed).toMatchObject({ name: "InternalServerError", status: 500 });
    const result = await client().ocr(pdf("five hundred"));
    expect(result.pages).toHaveLength(3);
    expect(jobsCreated()).toBe(1);
    expect(keysSent()).toBe(1);
  });

  it("polling fails for longer than the retries (an outage): the rerun resumes the job, one job", async () => {
    let outage = true;
    proxy.decide = ({ path }) => (outage && path.startsWith("/v1/jobs/") ? { status: 503 } : "forward");
    const failed = await client({ maxRetries: 1 })
      .ocr(pdf("outage"))
      .catch((e: unknown) => e);
    expect(failed).toMatchObject({ name: "InternalServerError", status: 503, jobId: expect.stringMatching(/^job_/) });
    outage = false;
    const result = await client().ocr(pdf("outage"));
    expect(result.jobId).toBe((failed as { jobId: string }).jobId);
    expect(result.pages).toHaveLength(3);
    expect(uploads()).toHaveLength(1);
    expect(jobsCreated()).toBe(1);
  });

  it("the caller's idempotencyKey wins over the journal's: following the error's advice costs one job", async () => {
    firstUpload("forward-then-drop");
    const failed = (await client({ cache: false })
      .ocr(pdf("advice"))
      .catch((e: unknown) => e)) as { name: string; idempotencyKey: string };
    expect(failed).toMatchObject({ name: "APIConnectionError", idempotencyKey: expect.any(String) });
    const result = await client().ocr(pdf("advice"), { idempotencyKey: failed.idempotencyKey });
    expect(result.pages).toHaveLength(3);
    expect(uploads().map((entry) => entry.idempotencyKey)).toEqual([failed.idempotencyKey, failed.idempotencyKey]);
    expect(jobsCreated()).toBe(1);
  });

  it("an upload the server refused (402) created no job: the journal forgets it", async () => {
    proxy.decide = ({ method }) => (method === "POST" ? { status: 402 } : "forward");
    const failed = await client()
      .ocr(pdf("refused"))
      .catch((e: unknown) => e);
    expect(failed).toMatchObject({ status: 402 });
    expect(await journalEntries()).toEqual([]);
  });
});

/** Runs `ocr` of `file` against `server` with the cache in a separate Node process; with `wait`, only once told "go" on stdin. */
function child(server: Emulator, file: string, options: { wait?: boolean; onLine?: (line: string, process: ChildProcess) => void }) {
  const script = `
    import { SotaOcrClient } from ${JSON.stringify(CORE)};
    const client = new SotaOcrClient({ apiKey: process.env.KEY, baseUrl: process.env.URL, cache: process.env.CACHE });
    if (process.env.WAIT) {
      console.log("ready");
      await new Promise((resolve) => process.stdin.once("data", resolve));
      process.stdin.destroy();
    }
    const result = await client.ocr(process.env.FILE, { onProgress: (p) => console.log("progress " + p.status + " " + p.jobId) });
    console.log("result " + result.jobId);`;
  const proc = spawn(process.execPath, ["--input-type=module", "-e", script], {
    env: { PATH: process.env.PATH, KEY: server.apiKey, URL: server.url, CACHE: cacheDir, FILE: file, WAIT: options.wait ? "1" : "" },
  });
  const lines: string[] = [];
  let buffered = "";
  proc.stdout.on("data", (chunk: Buffer) => {
    buffered += chunk.toString();
    for (let newline = buffered.indexOf("\n"); newline >= 0; newline = buffered.indexOf("\n")) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      lines.push(line);
      options.onLine?.(line, proc);
    }
  });
  const exited = new Promise<{ code: number | null; signal: string | null; lines: string[] }>((resolve) =>
    proc.on("exit", (code, signal) => resolve({ code, signal, lines })),
  );
  return { proc, exited };
}

describe("resuming a job keeps the API's poll interval", () => {
  let slow: Emulator;
  beforeAll(async () => {
    // 600 ms a page: a 5-page job runs 3 s, long enough to be polled by two runs.
    slow = await startEmulator({ engine: "synthetic", synthetic: { msPerPage: 600 } });
  });
  afterAll(() => slow?.close());
  beforeEach(() => slow.log.clear());
  const pollGaps = (jobId: string) => {
    const polls = slow.log.pollTimes(jobId);
    return polls.slice(1).map((at, i) => at - (polls[i] as number));
  };

  it("a process resumed after a crash polls no sooner than a second after the killed one's last poll", async () => {
    const file = join(cacheDir, "crash.pdf");
    await writeFile(file, makePdf(["a", "b", "c", "d", "e"]));
    // The resumer is started first and loaded, so it polls as soon as it may after the crash.
    let ready!: () => void;
    const loaded = new Promise<void>((resolve) => {
      ready = resolve;
    });
    const resumer = child(slow, file, { wait: true, onLine: (line) => line === "ready" && ready() });
    await loaded;
    let killedAt = 0;
    const crashed = await child(slow, file, {
      onLine: (line, proc) => {
        if (line.startsWith("progress running") && !killedAt) {
          proc.kill("SIGKILL");
          killedAt = performance.now();
        }
      },
    }).exited;
    expect(crashed.signal).toBe("SIGKILL");
    resumer.proc.stdin.write("go\n");
    const rerun = await resumer.exited;
    expect(rerun.code).toBe(0);
    expect(slow.log.uploads()).toHaveLength(1);
    const jobId = (slow.log.uploads()[0] as { jobId: string }).jobId;
    const polls = slow.log.pollTimes(jobId);
    expect(polls.filter((at) => at < killedAt).length).toBeGreaterThan(0);
    expect(polls.filter((at) => at > killedAt).length).toBeGreaterThan(0);
    expect(Math.min(...pollGaps(jobId))).toBeGreaterThanOrEqual(1000);
  }, 30_000);

  it("a run that let go (aborted) and a new client resuming at once: polls a second apart", async () => {
    const slowClient = () => new SotaOcrClient({ apiKey: slow.apiKey, baseUrl: slow.url, cache: cacheDir });
    const file = makePdf(["a", "b", "c", "d", "e"]);
    const controller = new AbortController();
    const aborted = await slowClient()
      .ocr(file, { signal: controller.signal, onProgress: (p) => p.status === "running" && controller.abort() })
      .catch((e: unknown) => e);
    expect(aborted).toMatchObject({ name: "AbortError", jobId: expect.stringMatching(/^job_/) });
    const resumed = await slowClient().ocr(file);
    expect(resumed.jobId).toBe((aborted as { jobId: string }).jobId);
    expect(slow.log.pollTimes(resumed.jobId).length).toBeGreaterThan(1);
    expect(Math.min(...pollGaps(resumed.jobId))).toBeGreaterThanOrEqual(1000);
  });
});
