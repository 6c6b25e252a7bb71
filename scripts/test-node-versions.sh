#!/usr/bin/env bash
# The test suite on other Node.js versions: `bash scripts/test-node-versions.sh 22 24`.
# `pnpm test` runs everything on the Node that runs pnpm (20, the oldest we support); here each other
# version, from the npm registry's `node` package, runs the suite without the files that spend their
# time in the local OCR engine or in whole-repository runs (examples, READMEs, demo, the 1 GiB upload):
# they test our code on Node 20 already, and would triple CI's time. The packages must be built.
set -euo pipefail
cd "$(dirname "$0")/.."

SLOW=(
  "test/examples.test.ts"
  "test/readmes.test.ts"
  "test/demo.test.ts"
  "packages/emulator/test/local-engine.test.ts"
  "packages/emulator/src/engines/local/**"
  "packages/core/test/upload-memory.test.ts"
)
excludes=()
for pattern in "${SLOW[@]}"; do excludes+=(--exclude "$pattern"); done

versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=(22 24)
for version in "${versions[@]}"; do
  echo "=== Node.js ${version}"
  # `node` on PATH is that version, for vitest and for every process a test starts.
  npx -y -p "node@${version}" -c "node --version && node node_modules/vitest/vitest.mjs run ${excludes[*]@Q}"
done
