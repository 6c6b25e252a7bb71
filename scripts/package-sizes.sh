#!/usr/bin/env bash
# The size table of docs/packages.md: `bash scripts/package-sizes.sh` (after `pnpm build`; needs the
# npm registry for the dependencies, so it is not part of CI). For each public package: its tarball as
# `pnpm pack` makes it (bytes, unpacked bytes, files), then what `npm install <tarball>` puts in an
# empty project's node_modules (bytes, packages): with --omit=peer (the package and its dependencies,
# what it adds to a project that has its framework already), and as npm installs it by default (with
# the required peers, e.g. @langchain/core). Our own dependencies (@sotaocr/core) are installed from
# their tarballs too. Install scripts are skipped (none of them adds files). With a directory as
# argument, it measures the tarballs in it instead of packing.
set -euo pipefail
cd "$(dirname "$0")/.."

TMP=$(mktemp -d "${TMPDIR:-/tmp}/sotaocr-sizes.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

kb() { awk -v b="$1" 'BEGIN { printf "%.1f kB", b / 1000 }'; }
mb() { awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1000000 }'; }

declare -A TARBALL
if [ $# -gt 0 ]; then
  # `bash scripts/package-sizes.sh DIR`: the tarballs in DIR instead (e.g. packed from an older commit).
  for tarball in "$1"/*.tgz; do
    TARBALL[$(tar -xOzf "$tarball" package/package.json | node -p 'JSON.parse(require("fs").readFileSync(0, "utf8")).name')]=$(realpath "$tarball")
  done
else
  for dir in packages/*/; do
    dir=${dir%/}
    [ "$(node -p "require('./$dir/package.json').private === true")" = "true" ] && continue
    name=$(node -p "require('./$dir/package.json').name")
    mkdir "$TMP/$(basename "$dir")"
    (cd "$dir" && pnpm pack --pack-destination "$TMP/$(basename "$dir")" >/dev/null)
    TARBALL[$name]=$(ls "$TMP/$(basename "$dir")"/*.tgz)
  done
fi

# installs a tarball (and the tarballs of its @sotaocr/* dependencies) into a new project; prints
# "<bytes> <packages>" of its node_modules.
install_size() {
  local name=$1 omit=$2 project
  project=$(mktemp -d "$TMP/project.XXXXXX")
  local tarballs=("${TARBALL[$name]}")
  for dep in $(tar -xOzf "${TARBALL[$name]}" package/package.json |
    node -e 'const p = JSON.parse(require("fs").readFileSync(0, "utf8")); console.log(Object.keys(p.dependencies ?? {}).filter((d) => d.startsWith("@sotaocr/")).join(" "))'); do
    tarballs+=("${TARBALL[$dep]}")
  done
  (cd "$project" && echo '{"private":true}' >package.json &&
    npm install --no-audit --no-fund --ignore-scripts --no-package-lock $omit "${tarballs[@]}" >/dev/null 2>&1)
  local count
  count=$(cd "$project" && { npm ls --all --parseable 2>/dev/null || true; } | tail -n +2 | sort -u | wc -l)
  echo "$(du -sb "$project/node_modules" | cut -f1) $count"
}

echo "| package | tarball | unpacked | files | install, without peers | install, with required peers |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
for name in $(printf '%s\n' "${!TARBALL[@]}" | sort); do
  tarball=${TARBALL[$name]}
  size=$(wc -c <"$tarball")
  unpacked=$(tar -tzvf "$tarball" | awk '{ s += $3 } END { print s }')
  files=$(tar -tzf "$tarball" | wc -l)
  read -r alone alone_pkgs < <(install_size "$name" --omit=peer)
  read -r peers peers_pkgs < <(install_size "$name" "")
  echo "| \`$name\` | $(kb "$size") | $(kb "$unpacked") | $files | $(mb "$alone") ($alone_pkgs packages) | $(mb "$peers") ($peers_pkgs packages) |"
done
