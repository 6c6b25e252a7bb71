import type { Printer } from "../printer.js";

/** Global options of `sotaocr` that take a value, as they may stand before `emulator`. */
const VALUE_OPTIONS = new Set(["--api-key", "--base-url"]);

/**
 * The arguments for `sotaocr emulator …`, or undefined when the command is another one. Everything
 * after `emulator` belongs to the emulator's own command line (the same as the `sotaocr-emulator`
 * bin's), so commander never sees it; a global `--api-key` given before `emulator` becomes the key
 * the emulator accepts.
 */
export function emulatorArgv(argv: readonly string[]): string[] | undefined {
  const before: string[] = [];
  for (let i = 2; i < argv.length; i++) {
    const token = argv[i] as string;
    if (token === "emulator") {
      const keys = keysGiven(before);
      return [...keys.flatMap((key) => ["--api-key", key]), ...argv.slice(i + 1)];
    }
    if (!token.startsWith("-")) return undefined;
    before.push(token);
    if (VALUE_OPTIONS.has(token) && i + 1 < argv.length) before.push(argv[++i] as string);
  }
  return undefined;
}

function keysGiven(globals: readonly string[]): string[] {
  const keys: string[] = [];
  for (let i = 0; i < globals.length; i++) {
    const token = globals[i] as string;
    if (token === "--api-key" && globals[i + 1] !== undefined) keys.push(globals[++i] as string);
    else if (token.startsWith("--api-key=")) keys.push(token.slice("--api-key=".length));
  }
  return keys;
}

/** `sotaocr emulator`: the emulator's command line (package @sotaocr/emulator), run until Ctrl-C. */
export async function emulator(args: string[], printer: Printer): Promise<number> {
  let runCli: typeof import("@sotaocr/emulator/cli").runCli;
  try {
    ({ runCli } = await import("@sotaocr/emulator/cli"));
  } catch (cause) {
    throw new Error("The emulator is a separate package: install it with `npm install -g @sotaocr/emulator` (or add it to your project).", {
      cause,
    });
  }
  const io = { out: (line: string) => printer.out(`${line}\n`), err: (line: string) => printer.err(`${line}\n`) };
  return runCli(args, io, "sotaocr emulator");
}
