import { readFileSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { inspect } from "node:util";

/**
 * README snippets run as written: each ```ts block becomes a module next to its README (so package
 * imports resolve as they do for users), run with `cwd` as the working directory (put the files it
 * names there), and every `console.log(…); // text` line must print `text`.
 */
export function snippetsOf(readmePath: string): string[] {
  return [...readFileSync(readmePath, "utf8").matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1] as string);
}

/** Runs one snippet in `cwd`; returns what it printed and what its comments say it prints. */
export async function runSnippet(
  readmePath: string,
  snippet: string,
  index: number,
  cwd: string,
): Promise<{ printed: string[]; expected: string[] }> {
  const expected = [...snippet.matchAll(/console\.log\(.*\); \/\/ (.*)$/gm)].map((match) => match[1] as string);
  const printed: string[] = [];
  const key = `__readme_console_${index}`;
  (globalThis as Record<string, unknown>)[key] = {
    log: (...args: unknown[]) => printed.push(args.map((arg) => (typeof arg === "string" ? arg : inspect(arg, { depth: 4 }))).join(" ")),
    error: (...args: unknown[]) => printed.push(args.map(String).join(" ")),
  };
  const file = join(dirname(readmePath), `.readme-snippet-${index}.tmp.ts`);
  await writeFile(file, `const console = (globalThis as any).${key};\n${snippet}`);
  const previous = process.cwd();
  process.chdir(cwd);
  try {
    await import(file);
  } finally {
    process.chdir(previous);
    await rm(file, { force: true });
  }
  return { printed, expected };
}

/** Whitespace-insensitive form, for comparing printed values with their comments. */
export const squash = (text: string): string => text.replace(/\s+/g, "");
