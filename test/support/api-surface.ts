import { readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";

/** One exported name of an entry point, as its built declarations give it. */
export interface ExportedName {
  name: string;
  /** "class", "function", "const", "enum", "namespace" (values) or "interface", "type" (types only). */
  kind: string;
  /** Whether it exists at run time (a class, function, const…), not only for the type checker. */
  value: boolean;
}

/** An entry point of a package (`.` or a subpath of its `exports`) and its declaration files. */
export interface EntryPoint {
  /** How users import it: `@sotaocr/core`, `@sotaocr/core/documents`. */
  specifier: string;
  /** The ESM and CJS declaration files, absolute. */
  types: { import: string; require: string };
  /** The ESM and CJS modules, absolute. */
  modules: { import: string; require: string };
}

interface Condition {
  types: string;
  default: string;
}

/** Every entry point in a package's `exports` (`./package.json` aside). */
export function entryPoints(packageDir: string): EntryPoint[] {
  const manifest = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as {
    name: string;
    exports: Record<string, string | { import: Condition; require: Condition }>;
  };
  return Object.entries(manifest.exports)
    .filter(([subpath]) => subpath !== "./package.json")
    .map(([subpath, target]) => {
      if (typeof target === "string")
        throw new Error(`${manifest.name}: exports["${subpath}"] needs import and require conditions with types.`);
      return {
        specifier: subpath === "." ? manifest.name : `${manifest.name}/${subpath.slice(2)}`,
        types: { import: join(packageDir, target.import.types), require: join(packageDir, target.require.types) },
        modules: { import: join(packageDir, target.import.default), require: join(packageDir, target.require.default) },
      };
    });
}

/**
 * The names each declaration file exports, sorted, each with its kind: what the TypeScript compiler
 * sees when a user imports the entry point (re-exports followed to what they name). One compiler
 * program reads them all.
 */
export function exportedNames(declarationFiles: string[]): Map<string, ExportedName[]> {
  const program = ts.createProgram(declarationFiles, {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    types: [],
    skipLibCheck: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  return new Map(
    declarationFiles.map((file) => {
      const source = program.getSourceFile(file);
      const module = source && checker.getSymbolAtLocation(source);
      if (!module) throw new Error(`${file}: not a module the TypeScript compiler can read.`);
      const names = checker
        .getExportsOfModule(module)
        .map((symbol) => describe(checker, symbol))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      return [file, names];
    }),
  );
}

function describe(checker: ts.TypeChecker, exported: ts.Symbol): ExportedName {
  let symbol = exported;
  let typeOnly = false;
  // `export type { X }` (at any step of a re-export chain) makes even a class a type only.
  while (symbol.flags & ts.SymbolFlags.Alias) {
    if (symbol.declarations?.some((declaration) => ts.isTypeOnlyImportOrExportDeclaration(declaration))) typeOnly = true;
    symbol = checker.getImmediateAliasedSymbol(symbol) ?? checker.getAliasedSymbol(symbol);
    if (symbol === exported) break;
  }
  const { flags } = symbol;
  const valueKind =
    flags & ts.SymbolFlags.Class
      ? "class"
      : flags & ts.SymbolFlags.Function
        ? "function"
        : flags & ts.SymbolFlags.Variable
          ? "const"
          : flags & ts.SymbolFlags.Enum
            ? "enum"
            : flags & ts.SymbolFlags.ValueModule
              ? "namespace"
              : undefined;
  if (valueKind && !typeOnly) return { name: exported.name, kind: valueKind, value: true };
  const typeKind = flags & ts.SymbolFlags.Interface ? "interface" : valueKind ? `${valueKind} (type only)` : "type";
  return { name: exported.name, kind: typeKind, value: false };
}

/** The report of one package: each entry point's values, then its types, one name a line. */
export function formatReport(packageName: string, entries: { specifier: string; names: ExportedName[] }[], updateCommand: string): string {
  const lines = [
    `# API report: ${packageName}`,
    "",
    "The names each entry point exports, read from the built declarations (`dist/*.d.ts`, the same in",
    "`dist/*.d.cts`) by `test/api-report.test.ts`. A change here is a change to the public API: make",
    "it on purpose. After `pnpm build`, regenerate with:",
    "",
    "```sh",
    updateCommand,
    "```",
  ];
  for (const { specifier, names } of entries) {
    const values = names.filter((name) => name.value);
    const types = names.filter((name) => !name.value);
    lines.push("", `## \`${specifier}\``, "", `${count(values.length, "value")}, ${count(types.length, "type")}.`);
    if (values.length) lines.push("", "Values:", "", ...values.map((name) => `- \`${name.name}\` (${name.kind})`));
    if (types.length) lines.push("", "Types:", "", ...types.map((name) => `- \`${name.name}\` (${name.kind})`));
  }
  return `${lines.join("\n")}\n`;
}

const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? "" : "s"}`;

/** What changed between a checked-in report and the current one, as `+`/`-` lines per entry point. */
export function reportDiff(expected: string, actual: string): string {
  const parse = (report: string) => {
    const entries = new Map<string, Set<string>>();
    let current: Set<string> | undefined;
    for (const line of report.split("\n")) {
      const heading = /^## `(.+)`$/.exec(line);
      if (heading) {
        current = new Set();
        entries.set(heading[1] as string, current);
      } else if (current && line.startsWith("- ")) current.add(line.slice(2));
    }
    return entries;
  };
  const before = parse(expected);
  const after = parse(actual);
  const out: string[] = [];
  for (const specifier of new Set([...before.keys(), ...after.keys()])) {
    const was = before.get(specifier);
    const now = after.get(specifier);
    if (!was) out.push(`+ entry point ${specifier}`);
    if (!now) out.push(`- entry point ${specifier}`);
    const removed = [...(was ?? [])].filter((line) => !now?.has(line));
    const added = [...(now ?? [])].filter((line) => !was?.has(line));
    if (removed.length || added.length) {
      out.push(`  ${specifier}:`, ...removed.map((line) => `    - ${line}`), ...added.map((line) => `    + ${line}`));
    }
  }
  return out.length ? out.join("\n") : "(the same names; the report's other text differs)";
}
