import { spawn } from "node:child_process";
import { openAsBlob } from "node:fs";
import { appendFile, mkdtemp, open, rm, truncate, unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Emulator, startEmulator } from "@sotaocr/emulator";
import { type HoldingProxy, startHoldingProxy } from "@sotaocr/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvalidInputError, SotaOcrClient } from "../src/index.js";

// A file that changes while ocr() reads it (to hash it, then to send it) must fail that one call
// with a FileChangedError: never crash the process, never be retried as if the network failed,
// never create a job from bytes that are not the file's. Each case runs in its own Node process,
// so an unhandled rejection shows as its exit code.
const CORE = new URL("../dist/index.js", import.meta.url).href;
const MIB = 1024 * 1024;
/** Far more than the loopback socket buffers and the read-ahead hold: the upload is mid-file when held. */
const FILE_BYTES = 64 * MIB;

let emulator: Emulator;
let proxy: HoldingProxy;
let dir: string;

beforeAll(async () => {
  emulator = await startEmulator({ engine: "synthetic" });
  proxy = await startHoldingProxy(emulator.url, { holdAfterBytes: MIB });
  dir = await mkdtemp(join(tmpdir(), "sotaocr-changes-"));
});
afterAll(async () => {
  await Promise.all([proxy?.close(), emulator?.close()]);
  await rm(dir, { recursive: true, force: true });
});

/** A sparse file that sniffs as a complete PDF: real bytes to read, no disk space. */
async function bigPdf(name: string): Promise<string> {
  const path = join(dir, name);
  const file = await open(path, "w");
  await file.write("%PDF-1.7\n", 0);
  await file.write("\n%%EOF\n", FILE_BYTES - 7);
  await file.close();
  return path;
}

/** What each mutation changes, as `FileChangedError.change` says. */
const expectedChange: Record<string, [string, RegExp]> = {
  append: ["size", new RegExp(`^its size went from ${FILE_BYTES} to ${FILE_BYTES + 11} bytes$`)],
  truncate: ["size", new RegExp(`^its size went from ${FILE_BYTES} to ${FILE_BYTES / 2} bytes$`)],
  "rewrite in place": ["modification_time", /^its modification time changed \(it was rewritten\)$/],
  delete: ["deleted", /^it was deleted or moved away$/],
};

const mutations: Record<string, (path: string) => Promise<void>> = {
  append: (path) => appendFile(path, "more bytes\n"),
  truncate: (path) => truncate(path, FILE_BYTES / 2),
  "rewrite in place": async (path) => {
    const file = await open(path, "r+");
    await file.write(Buffer.alloc(4096, "x"), 0, 4096, FILE_BYTES / 2);
    await file.close();
  },
  delete: (path) => unlink(path),
};

// "hashing": the child prepares the input (the file is opened), says "opened" and waits; the file
// changes; ocr() then hashes it. "uploading": the proxy holds the upload after its first MiB; the
// file changes; the upload goes on.
const CHILD = `
  import * as core from ${JSON.stringify(CORE)};
  const { SotaOcrClient, prepareInput } = core;
  const [baseUrl, apiKey, path, phase] = process.argv.slice(1);
  const client = new SotaOcrClient({ apiKey, baseUrl, maxRetries: 2 });
  let input = path;
  if (phase === "hashing") {
    input = await prepareInput(path);
    console.log("opened");
    await new Promise((resolve) => process.stdin.once("data", resolve));
    process.stdin.destroy();
  }
  try {
    await client.ocr(input);
    console.log(JSON.stringify({ outcome: "ocr'd" }));
  } catch (error) {
    console.log(JSON.stringify({ outcome: error.name, fileChanged: core.FileChangedError?.isInstance(error) ?? false, source: error.source, change: error.change, detail: error.detail, message: error.message }));
  }`;

async function runChild(path: string, phase: "hashing" | "uploading", mutate: () => Promise<void>) {
  const child = spawn(process.execPath, ["--input-type=module", "-e", CHILD, proxy.url, emulator.apiKey, path, phase], { stdio: "pipe" });
  let stdout = "";
  let stderr = "";
  const opened = new Promise<void>((resolve) =>
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk;
      if (stdout.includes("opened\n")) resolve();
    }),
  );
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  // The file changes at the chosen point, unless the child died before reaching it.
  const reached = phase === "hashing" ? opened.then(() => () => child.stdin.end("go\n")) : proxy.held();
  const release = await Promise.race([reached, exited.then(() => undefined)]);
  if (release) {
    await mutate();
    release();
  }
  const code = await exited;
  const last = stdout.trim().split("\n").at(-1) ?? "";
  return { code, stderr, outcome: last.startsWith("{") ? (JSON.parse(last) as Outcome) : undefined };
}

interface Outcome {
  outcome: string;
  fileChanged: boolean;
  source?: string;
  change?: string;
  detail?: string;
  message?: string;
}

describe.each(["hashing", "uploading"] as const)("a file that changes while ocr() is %s it", (phase) => {
  it.each(Object.keys(mutations))("%s: a FileChangedError naming the file, no crash, no retry, no job", async (mutation) => {
    const path = await bigPdf(`${phase}-${mutation.replace(/ /g, "-")}.pdf`);
    const uploadsBefore = proxy.uploadsStarted;
    emulator.log.clear();
    const { code, stderr, outcome } = await runChild(path, phase, () => (mutations[mutation] as (path: string) => Promise<void>)(path));
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(outcome).toMatchObject({ outcome: "FileChangedError", fileChanged: true, source: path });
    expect(outcome?.message).toContain(`${path} changed while`);
    // What changed, as a field and in the message's words.
    const [change, detail] = expectedChange[mutation] as [string, RegExp];
    expect(outcome?.change).toBe(change);
    expect(outcome?.detail).toMatch(detail);
    expect(outcome?.message).toContain(`(${outcome?.detail})`);
    // Sent at most once (the upload that was cut off), and never whole: no job exists.
    expect(proxy.uploadsStarted - uploadsBefore).toBe(phase === "hashing" ? 0 : 1);
    expect(emulator.log.uploadCountBySha256()).toEqual({});
    expect(emulator.log.entries.filter((entry) => entry.jobId !== undefined)).toEqual([]);
  });
});

describe("a Blob the caller opened from a file that then changed", () => {
  it("is an InvalidInputError that says its file may have changed, and that a path lets it be told", async () => {
    const path = await bigPdf("opened-by-caller.pdf");
    const blob = await openAsBlob(path);
    await appendFile(path, "more bytes\n");
    const client = new SotaOcrClient({ apiKey: emulator.apiKey, baseUrl: emulator.url });
    const error = await client.ocr(blob, { filename: "scan.pdf" }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toMatch(/^Cannot read scan\.pdf: .*its file may have changed: pass the path instead/);
  });
});
