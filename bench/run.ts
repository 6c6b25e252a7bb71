/**
 * `pnpm bench [name…]`: runs the benchmarks (all, or those named), prints each one's details and
 * its `BENCH <name> key=value …` summary line, and writes the results to bench/results/.
 * The packages are measured as built: run `pnpm build` first. Native tools the comparisons need
 * (tesseract, pdftotext, pdftoppm, curl) are installed by bench/setup.sh when missing.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { performance } from "node:perf_hooks";
import { runDelivery } from "./delivery.js";
import { ensureNativeTools } from "./lib/native-tools.js";
import { repoPath } from "./lib/paths.js";
import { type BenchResult, formatSummary } from "./lib/summary.js";
import { runLocalEngine } from "./local-engine.js";
import { runManyDocuments } from "./many-documents.js";
import { runQueueWorkers } from "./queue-workers.js";
import { runResultMapping } from "./result-mapping.js";
import { runUploadMemory } from "./upload-memory.js";

const BENCHMARKS: Record<string, () => Promise<BenchResult>> = {
  delivery: () => runDelivery(),
  "many-documents": () => runManyDocuments(),
  "upload-memory": () => runUploadMemory(),
  "result-mapping": () => runResultMapping(),
  "local-engine": () => runLocalEngine(),
  "queue-workers": () => runQueueWorkers(),
};

async function main(): Promise<void> {
  const asked = process.argv.slice(2).filter((arg) => !arg.startsWith("-"));
  const unknown = asked.filter((name) => !(name in BENCHMARKS));
  if (unknown.length > 0) {
    console.error(`Unknown benchmark(s): ${unknown.join(", ")}. Choose from: ${Object.keys(BENCHMARKS).join(", ")}.`);
    process.exit(2);
  }
  const names = asked.length > 0 ? asked : Object.keys(BENCHMARKS);
  ensureNativeTools(names);
  const results: BenchResult[] = [];
  for (const name of names) {
    console.log(`\n=== ${name} ===`);
    const started = performance.now();
    const result = await (BENCHMARKS[name] as () => Promise<BenchResult>)();
    console.log(`(${name} took ${((performance.now() - started) / 1000).toFixed(1)} s)`);
    console.log(formatSummary(result.name, result.summary));
    results.push(result);
  }
  const dir = repoPath("bench/results");
  await mkdir(dir, { recursive: true });
  const json = JSON.stringify({ date: new Date().toISOString(), node: process.version, results }, null, 2);
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  await writeFile(`${dir}/${stamp}.json`, json);
  await writeFile(`${dir}/latest.json`, json);
  console.log("\nSummary:");
  for (const result of results) console.log(formatSummary(result.name, result.summary));
}

await main();
