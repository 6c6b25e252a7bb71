import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Emulator, startEmulator } from "@sotaocr/emulator";
import { hasRedisServer, makePdf, startRedis, type TestRedis } from "@sotaocr/test-support";
import { afterAll, beforeAll, expect, it } from "vitest";
import { BIN, runCli } from "./run-cli.js";

// `sotaocr queue …` as operators run it: a worker process, files added, results written, SIGTERM.

let redis: TestRedis;
let emulator: Emulator;
let dir: string;

beforeAll(async () => {
  if (!hasRedisServer())
    throw new Error("This test starts its own Redis: install it with `apt-get install -y redis-server` (.ci/run does).");
  redis = await startRedis();
  emulator = await startEmulator({ engine: "synthetic", synthetic: { msPerPage: 50 } });
  dir = await mkdtemp(join(tmpdir(), "sotaocr-cli-queue-"));
});

afterAll(async () => {
  await emulator?.close();
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

it("queue add, work, results --out, status; the worker stops cleanly on SIGTERM; keys never printed", async () => {
  const env = { REDIS_URL: redis.url, SOTAOCR_BASE_URL: emulator.url, SOTAOCR_API_KEY: emulator.apiKey };
  const files = ["a", "b", "c"].map((name) => join(dir, `${name}.pdf`));
  for (const [i, file] of files.entries()) await writeFile(file, makePdf([`file ${i}`, "second page"]));

  const added = await runCli(["queue", "add", ...files], { env });
  expect(added.code).toBe(0);
  expect(
    added.stdout
      .split("\n")
      .filter(Boolean)
      .map((line) => line.split("\t")[0]),
  ).toEqual(["added", "added", "added"]);
  expect((await runCli(["queue", "add", files[0] as string], { env })).stdout).toMatch(/^queued\t/);

  const worker = spawn(process.execPath, [BIN, "queue", "work", "--concurrency", "2", "--max-active-jobs", "2"], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let workerErr = "";
  worker.stderr.on("data", (chunk: Buffer) => {
    workerErr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => worker.once("exit", (code) => resolve(code)));
  try {
    const out = join(dir, "out");
    const results = await runCli(["queue", "results", "--out", out], { env });
    expect(results.code).toBe(0);
    expect((await readdir(out)).sort()).toEqual(["a.md", "b.md", "c.md"]);
    expect(await readFile(join(out, "a.md"), "utf8")).toContain("<!-- page 2 -->");
    // Written files are never replaced without --force.
    const again = await runCli(["queue", "results", "--out", out], { env });
    expect([again.code, again.stderr]).toEqual([1, expect.stringContaining("--force")]);

    const status = await runCli(["queue", "status", "--json"], { env });
    expect(JSON.parse(status.stdout)).toMatchObject({ waiting: 0, active: 0, completed: 3, failed: 0, maxActiveJobs: 2 });
  } finally {
    worker.kill("SIGTERM");
  }
  expect(await exited).toBe(0);
  expect(workerErr).toContain("worker stopped.");
  expect(workerErr).not.toContain(emulator.apiKey);
  expect(emulator.log.uploads().length).toBe(3);
}, 60_000);
