import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
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

it("queue add takes files in a mix of lengths, the shortest last, unless --order longest-first or as-added", async () => {
  const env = { REDIS_URL: redis.url, SOTAOCR_BASE_URL: emulator.url, SOTAOCR_API_KEY: emulator.apiKey };
  /** Adds files of these page counts (in this order) to queue `name`, runs one worker one file at a time: the page counts in upload order. */
  const uploadOrder = async (name: string, pageCounts: number[], addFlags: string[]) => {
    const files = pageCounts.map((_, i) => join(dir, `${name}-${i}.pdf`));
    const pagesBySha = new Map<string, number>();
    for (const [i, file] of files.entries()) {
      const pdf = makePdf(Array.from({ length: pageCounts[i] as number }, (_, page) => `${name} ${i} page ${page + 1}`));
      await writeFile(file, pdf);
      pagesBySha.set(createHash("sha256").update(pdf).digest("hex"), pageCounts[i] as number);
    }
    expect((await runCli(["queue", "--queue", name, "add", ...addFlags, ...files], { env })).code).toBe(0);
    const worker = spawn(process.execPath, [BIN, "queue", "--queue", name, "work", "--concurrency", "1"], {
      env: { PATH: process.env.PATH, ...env },
      stdio: "ignore",
    });
    const exited = new Promise((resolve) => worker.once("exit", resolve));
    try {
      expect((await runCli(["queue", "--queue", name, "results"], { env })).code).toBe(0);
    } finally {
      worker.kill("SIGTERM");
      await exited;
    }
    return emulator.log
      .uploads()
      .map((entry) => pagesBySha.get(entry.sha256 ?? ""))
      .filter((pages) => pages !== undefined);
  };
  // Mixed: the shorter half (2 and 1 pages) ends the batch, longest first; of the others the 4-page
  // one would take the running total over their mean (3.5 pages) at once, so the 3-page one goes first.
  expect(await uploadOrder("mixed", [1, 3, 2, 4], [])).toEqual([3, 4, 2, 1]);
  expect(await uploadOrder("longest", [1, 3, 2, 4], ["--order", "longest-first"])).toEqual([4, 3, 2, 1]);
  expect(await uploadOrder("as-added", [1, 3, 2, 4], ["--order", "as-added"])).toEqual([1, 3, 2, 4]);
  const wrong = await runCli(["queue", "add", "--order", "shortest-first", join(dir, "longest-0.pdf")], { env });
  expect(wrong.code).toBe(2);
  expect(wrong.stderr).toContain("Allowed choices are mixed, longest-first, as-added");
  expect(wrong.stderr).toContain("(add --help for usage)");
}, 90_000);
