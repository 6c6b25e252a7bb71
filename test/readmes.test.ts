import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { type Emulator, startEmulator } from "@sotaocr/emulator";
import { dataPath, startRedis, type TestRedis } from "@sotaocr/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSnippet, snippetsOf, squash } from "./support/readme.js";

// Every TypeScript snippet of the READMEs is type-checked, then run against the emulator in a folder
// holding the sample files it names (and a docs/ folder), and each `console.log(…); // text` must
// print `text`. Drifted docs fail here.
const ROOT = new URL("..", import.meta.url).pathname;
const READMES = [
  "README.md",
  "packages/core/README.md",
  "packages/langchain/README.md",
  "packages/llamaindex/README.md",
  "packages/emulator/README.md",
  "packages/queue/README.md",
].map((path) => join(ROOT, path));

let emulator: Emulator;
let workDir: string;
// The queue's README talks to Redis at REDIS_URL: a redis-server of this test's own.
let redis: TestRedis;
const saved = { key: process.env.SOTAOCR_API_KEY, url: process.env.SOTAOCR_BASE_URL, redis: process.env.REDIS_URL };

beforeAll(async () => {
  emulator = await startEmulator({ engine: "local" });
  redis = await startRedis();
  process.env.REDIS_URL = redis.url;
  process.env.SOTAOCR_API_KEY = emulator.apiKey;
  process.env.SOTAOCR_BASE_URL = emulator.url;
  workDir = await mkdtemp(join(tmpdir(), "sotaocr-readme-"));
  await mkdir(join(workDir, "docs"));
  for (const name of ["report.pdf", "mixed.pdf", "page.png", "page.jpg", "two-columns-table.pdf"])
    await copyFile(dataPath(name), join(workDir, name));
  for (const name of ["report.pdf", "page.png"]) await copyFile(dataPath(name), join(workDir, "docs", name));
});
afterAll(async () => {
  process.env.SOTAOCR_API_KEY = saved.key;
  process.env.SOTAOCR_BASE_URL = saved.url;
  if (saved.redis === undefined) delete process.env.REDIS_URL;
  else process.env.REDIS_URL = saved.redis;
  await redis?.stop();
  await emulator?.close();
  await rm(workDir, { recursive: true, force: true });
});

describe("README snippets type-check", () => {
  it("all of them, as written", async () => {
    const files: string[] = [];
    try {
      for (const readme of READMES) {
        for (const [index, snippet] of snippetsOf(readme).entries()) {
          const file = join(dirname(readme), `.readme-snippet-check-${index}.tmp.ts`);
          await writeFile(file, `export {};\n${snippet}`);
          files.push(file);
        }
      }
      const tsconfig = join(ROOT, ".readme-snippets.tmp.json");
      // As strict as the strictest users' projects: `strict` and `noUncheckedIndexedAccess`, so
      // what a README shows compiles wherever it is pasted.
      await writeFile(
        tsconfig,
        JSON.stringify({ extends: "./tsconfig.base.json", compilerOptions: { strict: true, noUncheckedIndexedAccess: true }, files }),
      );
      files.push(tsconfig);
      const check = await promisify(execFile)(join(ROOT, "node_modules/.bin/tsc"), ["--noEmit", "-p", tsconfig], { cwd: ROOT }).catch(
        (e) => e,
      );
      // Exit code and output: a tsc that could not even start must fail this too.
      expect([check.code ?? 0, check.stdout ?? ""]).toEqual([0, ""]);
    } finally {
      await Promise.all(files.map((file) => rm(file, { force: true })));
    }
  }, 120_000);
});

describe("how the docs start the emulator", () => {
  // `npx sotaocr-emulator` works only where @sotaocr/emulator is already installed (npx looks for a
  // package of that name, and there is none); `npx @sotaocr/emulator` works everywhere: npm runs a
  // package's only bin. One form for all (`npx -p @sotaocr/emulator sotaocr-emulator` works too,
  // but says the same at more length).
  it("says `npx @sotaocr/emulator` in every README, doc and message, never `npx sotaocr-emulator`", async () => {
    const files = [...READMES, join(ROOT, "packages/cli/README.md")];
    for (const dir of ["docs", ...["core", "langchain", "llamaindex", "emulator", "cli"].map((name) => `packages/${name}/src`)]) {
      for (const entry of await readdir(join(ROOT, dir), { recursive: true, withFileTypes: true })) {
        if (entry.isFile() && /\.(md|ts)$/.test(entry.name)) files.push(join(entry.parentPath, entry.name));
      }
    }
    const wrong: string[] = [];
    for (const file of files) {
      const text = await readFile(file, "utf8");
      if (/npx (-p \S+ )?sotaocr-emulator/.test(text)) wrong.push(file.slice(ROOT.length));
    }
    expect(wrong).toEqual([]);
    expect(await readFile(join(ROOT, "packages/emulator/README.md"), "utf8")).toContain("npx @sotaocr/emulator");
  });

  it("the missing-key error points at it", async () => {
    const { MissingApiKeyError } = await import("@sotaocr/core");
    expect(new MissingApiKeyError().message).toContain("`npx @sotaocr/emulator`");
  });
});

for (const readme of READMES) {
  describe(readme.slice(ROOT.length), () => {
    const snippets = snippetsOf(readme);
    it("has snippets", () => {
      expect(snippets.length).toBeGreaterThan(0);
    });
    snippets.forEach((snippet, index) => {
      it(`snippet ${index + 1} runs and prints what it says`, async () => {
        const { printed, expected } = await runSnippet(readme, snippet, index, workDir);
        expect(printed.slice(0, expected.length).map(squash)).toEqual(expected.map(squash));
      }, 60_000);
    });
  });
}
