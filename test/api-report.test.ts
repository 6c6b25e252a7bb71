import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { type EntryPoint, type ExportedName, entryPoints, exportedNames, formatReport, reportDiff } from "./support/api-surface.js";

// Each package's public surface, as users get it from its built declarations, checked against
// packages/<package>/api-report.md. Adding, removing or retyping an export fails here until the
// report is regenerated (and the change is seen in review).

const ROOT = new URL("..", import.meta.url).pathname;
const UPDATE_COMMAND = "UPDATE_API_REPORT=1 pnpm vitest run test/api-report.test.ts";
const update = process.env.UPDATE_API_REPORT === "1";

// Every published package (private ones, such as the test support, have no public surface).
const packages = readdirSync(join(ROOT, "packages"))
  .sort()
  .flatMap((dir) => {
    const packageDir = join(ROOT, "packages", dir);
    const manifestPath = join(packageDir, "package.json");
    if (!existsSync(manifestPath)) return [];
    const { name, private: isPrivate } = JSON.parse(readFileSync(manifestPath, "utf8")) as { name: string; private?: boolean };
    return isPrivate ? [] : [{ dir, packageDir, name, entries: entryPoints(packageDir) }];
  });
const builtFiles = packages.flatMap(({ entries }) =>
  entries.flatMap((entry) => [...Object.values(entry.types), ...Object.values(entry.modules)]),
);
const missing = builtFiles.filter((file) => !existsSync(file));

// Read once, for every package: one TypeScript program over every declaration file.
let declarations: Map<string, ExportedName[]> | undefined;
function namesOf(declarationFile: string): ExportedName[] {
  if (missing.length) expect.fail(`Not built: ${missing.map((file) => file.slice(ROOT.length)).join(", ")}. Run \`pnpm build\` first.`);
  declarations ??= exportedNames(builtFiles.filter((file) => /\.d\.c?ts$/.test(file)));
  return declarations.get(declarationFile) as ExportedName[];
}

/** What the built module exports at run time, loaded the way users load it, in a Node process of its own. */
async function runtimeNames(entry: EntryPoint, format: "import" | "require"): Promise<string[]> {
  const args =
    format === "import"
      ? [
          "--input-type=module",
          "-e",
          "console.log(JSON.stringify(Object.keys(await import(process.argv[1]))))",
          pathToFileURL(entry.modules.import).href,
        ]
      : ["-e", "console.log(JSON.stringify(Object.keys(require(process.argv[1]))))", entry.modules.require];
  const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: ROOT, timeout: 60_000 });
  const keys = JSON.parse(stdout.trim().split("\n").at(-1) as string) as string[];
  return keys.filter((key) => key !== "default").sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

it("covers every published package", () => {
  expect(packages.map(({ dir }) => dir)).toEqual(expect.arrayContaining(["cli", "core", "emulator", "langchain", "llamaindex"]));
});

describe.each(packages.map((pkg) => [pkg.dir, pkg] as const))("API report of packages/%s", (dir, { packageDir, name, entries }) => {
  it.each(entries.map((entry) => [entry.specifier, entry] as const))(
    "%s: ESM and CJS, declarations and modules, export the same names",
    async (specifier, entry) => {
      const names = namesOf(entry.types.import);
      expect(namesOf(entry.types.require), `${specifier}: dist .d.cts and .d.ts differ`).toEqual(names);
      const values = names.filter((exported) => exported.value).map((exported) => exported.name);
      const [esm, cjs] = await Promise.all([runtimeNames(entry, "import"), runtimeNames(entry, "require")]);
      expect(esm, `${specifier}: the ESM module's exports are not the declarations' values`).toEqual(values);
      expect(cjs, `${specifier}: the CJS module's exports are not the declarations' values`).toEqual(values);
    },
    120_000,
  );

  it("matches api-report.md", () => {
    const reportPath = join(packageDir, "api-report.md");
    const actual = formatReport(
      name,
      entries.map((entry) => ({ specifier: entry.specifier, names: namesOf(entry.types.import) })),
      UPDATE_COMMAND,
    );
    if (update) {
      writeFileSync(reportPath, actual);
      return;
    }
    const expected = existsSync(reportPath) ? readFileSync(reportPath, "utf8") : "";
    if (actual === expected) return;
    expect.fail(
      `The public API of ${name} is not what packages/${dir}/api-report.md says (- in the report, + built now):\n` +
        `${reportDiff(expected, actual)}\n\n` +
        `If the change is intended, run \`pnpm build\`, then \`${UPDATE_COMMAND}\`, and commit packages/${dir}/api-report.md. ` +
        "If not, fix the package's exports (src/index.ts, or the file behind the entry point).",
    );
  }, 120_000);
});
