#!/usr/bin/env bash
# The sotaocr command on the sample documents. Run from the repository root after `pnpm build`:
#   bash examples/cli.sh
# With SOTAOCR_API_KEY set it uses SotaOCR; without, it starts the local emulator first.
set -euo pipefail
cd "$(dirname "$0")/.."
sotaocr() { node packages/cli/dist/bin.js "$@"; }

if [ -z "${SOTAOCR_API_KEY:-}" ]; then
  log=$(mktemp)
  # Its first line (on stdout) names the URL; errors go to stderr.
  node packages/cli/dist/bin.js emulator --port 0 > "$log" 2>&1 &
  emulator=$!
  trap 'kill $emulator 2>/dev/null; wait $emulator 2>/dev/null; rm -f "$log"' EXIT
  for _ in $(seq 1 300); do
    url=$(grep -o 'SOTAOCR_BASE_URL=[^ ]*' "$log" | cut -d= -f2 || true)
    [ -n "$url" ] && break
    sleep 0.1
  done
  export SOTAOCR_BASE_URL=$url SOTAOCR_API_KEY=sotaocr-emulator
fi

sotaocr balance
sotaocr info
# One file to stdout, pages 2-3 only, as plain text (a form feed after each page).
sotaocr extract examples/data/report.pdf --pages 2-3 --format text > "${TMPDIR:-/tmp}/pages.txt"
head -5 "${TMPDIR:-/tmp}/pages.txt"
# Many files (a glob) into a folder, one .md per file.
out=$(mktemp -d)
sotaocr extract 'examples/data/*.pdf' --out "$out" --concurrency 3
ls "$out"
rm -rf "$out"
