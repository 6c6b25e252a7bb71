import { readFileSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";

// Every TypeScript snippet of the README is run as written (imports pointed at the sources), and
// each `console.log(…); // expected` line must print what its comment says.

const README = readFileSync(new URL("../README.md", import.meta.url), "utf8");
const SNIPPETS = [...README.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1] as string);
const SOURCES = fileURLToPath(new URL("../src/index.js", import.meta.url));
const REPORT = fileURLToPath(new URL("../../../examples/data/report.pdf", import.meta.url));

const squash = (text: string) => text.replace(/\s+/g, "");

describe("README snippets", () => {
  it("has snippets", () => {
    expect(SNIPPETS.length).toBeGreaterThanOrEqual(2);
  });

  SNIPPETS.forEach((snippet, index) => {
    it(`snippet ${index + 1} runs and prints what it says`, async () => {
      const expected = [...snippet.matchAll(/console\.log\(.*\); \/\/ (.*)$/gm)].map((match) => match[1] as string);
      const printed: string[] = [];
      (globalThis as Record<string, unknown>).__readmeConsole = {
        log: (...args: unknown[]) => printed.push(args.map((arg) => (typeof arg === "string" ? arg : inspect(arg))).join(" ")),
      };
      const source =
        "const console = (globalThis as any).__readmeConsole;\n" +
        snippet.replaceAll('"@sotaocr/emulator"', JSON.stringify(SOURCES)).replaceAll('"report.pdf"', JSON.stringify(REPORT));
      const file = fileURLToPath(new URL(`./readme-snippet-${index + 1}.tmp.ts`, import.meta.url));
      await writeFile(file, source);
      try {
        await import(file);
      } finally {
        await rm(file, { force: true });
      }
      expect(printed.map(squash)).toEqual(expected.map(squash));
    });
  });
});
