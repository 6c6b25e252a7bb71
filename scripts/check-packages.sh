#!/usr/bin/env bash
# What npm would get, checked package by package: `pnpm check:packages` (CI runs it after `pnpm test`).
# It builds nothing: it packs each public package's dist/ as built (`pnpm build`, part of `pnpm test`)
# with `pnpm pack`, which writes the manifest as `pnpm publish` does (workspace: ranges resolved), then
#   - publint --strict on the tarball (suggestions print; warnings and errors fail);
#   - attw (Are the Types Wrong) on the tarball, profile node16: types resolve for require and import
#     under `moduleResolution` node16/nodenext and bundler. node10 (TypeScript's `node`, which predates
#     `exports` and so sees no subpath such as @sotaocr/emulator/cli) is left out: the packages need
#     Node >= 20, where TypeScript advises node16/nodenext (or bundler). Root entries still resolve
#     under node10 through `main`/`types` (the table shows it); docs/packages.md says more;
#   - our own rules: internal dependencies are ranges (^x.y.z), never exact pins or workspace:;
#     LICENSE is in the tarball and is the root's; every bin is in it, ESM, with a shebang; data read
#     at run time (the emulator's OCR model) is in it;
#   - `pnpm publish --dry-run` in the package's folder.
# Offline at run time: all of it reads local files (attw with --no-definitely-typed fetches no @types).
# Exits non-zero if any package has any problem, after checking them all.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BIN="$ROOT/node_modules/.bin"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/sotaocr-check-packages.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

failures=()
fail() {
  echo "FAIL: $1" >&2
  failures+=("$1")
}

for dir in packages/*/; do
  dir=${dir%/}
  [ -f "$dir/package.json" ] || continue
  name=$(node -p "require('./$dir/package.json').name")
  if [ "$(node -p "require('./$dir/package.json').private === true")" = "true" ]; then
    echo "=== $name: private, not published, skipped"
    continue
  fi
  echo "=== $name ($dir)"
  if [ ! -d "$dir/dist" ]; then
    fail "$name: $dir/dist is missing (run pnpm build first)"
    continue
  fi

  out="$TMP/$(basename "$dir")"
  mkdir -p "$out"
  if ! (cd "$dir" && pnpm pack --pack-destination "$out" >"$out/pack.log" 2>&1); then
    cat "$out/pack.log" >&2
    fail "$name: pnpm pack"
    continue
  fi
  tarball=$(ls "$out"/*.tgz)
  echo "packed $(basename "$tarball"): $(wc -c <"$tarball") bytes, $(tar -tzf "$tarball" | wc -l) files"

  "$BIN/publint" run "$tarball" --strict || fail "$name: publint"
  "$BIN/attw" "$tarball" --profile node16 --no-definitely-typed --format table-flipped || fail "$name: attw"

  mkdir -p "$out/unpacked"
  tar -xzf "$tarball" -C "$out/unpacked"
  node - "$out/unpacked/package" "$ROOT/LICENSE" <<'EOF' || fail "$name: packed manifest and files"
const { existsSync, readFileSync } = require("node:fs");
const { join } = require("node:path");
const [dir, rootLicense] = process.argv.slice(2);
const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
const problems = [];
for (const field of ["dependencies", "peerDependencies", "optionalDependencies"]) {
  for (const [dep, range] of Object.entries(pkg[field] ?? {})) {
    if (dep.startsWith("@sotaocr/") && !/^\^\d+\.\d+\.\d+/.test(range)) {
      problems.push(`${field}.${dep} is "${range}": internal dependencies are ^ ranges, so users keep one copy`);
    }
    if (range.startsWith("workspace:")) problems.push(`${field}.${dep} is "${range}" in the packed manifest`);
  }
}
const license = join(dir, "LICENSE");
if (!existsSync(license)) problems.push("no LICENSE in the tarball");
else if (readFileSync(license, "utf8") !== readFileSync(rootLicense, "utf8")) problems.push("LICENSE differs from the root's");
// Data a package reads at run time from its own folder, which "files" must not leave out.
const runtimeData = { "@sotaocr/emulator": ["models/eng.traineddata.gz", "models/README.md", "models/LICENSE-Apache-2.0"] };
for (const file of runtimeData[pkg.name] ?? []) if (!existsSync(join(dir, file))) problems.push(`${file} is not in the tarball`);
for (const field of ["repository", "homepage", "bugs"]) if (!pkg[field]) problems.push(`no ${field}`);
const bins = typeof pkg.bin === "string" ? { [pkg.name]: pkg.bin } : (pkg.bin ?? {});
for (const [command, file] of Object.entries(bins)) {
  const path = join(dir, file);
  if (!existsSync(path)) problems.push(`bin ${command}: ${file} is not in the tarball`);
  else if (!readFileSync(path, "utf8").startsWith("#!/usr/bin/env node\n")) problems.push(`bin ${command}: ${file} has no shebang`);
  if (!(file.endsWith(".mjs") || (file.endsWith(".js") && pkg.type === "module"))) problems.push(`bin ${command}: ${file} is not ESM`);
}
for (const problem of problems) console.error(`  ${problem}`);
process.exit(problems.length ? 1 : 0);
EOF

  (cd "$dir" && pnpm publish --dry-run --no-git-checks) || fail "$name: pnpm publish --dry-run"
done

echo
if [ ${#failures[@]} -gt 0 ]; then
  echo "check-packages: ${#failures[@]} problem(s):" >&2
  printf '  %s\n' "${failures[@]}" >&2
  exit 1
fi
echo "check-packages: every package packs, lints (publint, attw) and publishes (dry run) cleanly"
