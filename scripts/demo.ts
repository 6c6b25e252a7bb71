// pnpm demo [file...]: OCR the sample documents (or yours) into LangChain Documents, one per page.
// Without SOTAOCR_API_KEY it runs the local emulator in-process: offline, no account needed.
import { readdir } from "node:fs/promises";
import { basename, join } from "node:path";
import { createReporter } from "@sotaocr/cli";
import { type Emulator, startEmulator } from "@sotaocr/emulator";
import { SotaOcrLoader } from "@sotaocr/langchain";

const DATA = new URL("../examples/data/", import.meta.url).pathname;
const files = process.argv.slice(2).length > 0 ? process.argv.slice(2) : await samples();

let emulator: Emulator | undefined;
if (process.env.SOTAOCR_API_KEY) {
  console.log(`Using SotaOCR at ${process.env.SOTAOCR_BASE_URL || "https://api.sotaocr.com"}.`);
} else {
  emulator = await startEmulator();
  process.env.SOTAOCR_BASE_URL = emulator.url;
  process.env.SOTAOCR_API_KEY = emulator.apiKey;
  console.log(`No SOTAOCR_API_KEY: using the local emulator at ${emulator.url} (offline OCR; set the key to use SotaOCR).`);
}

try {
  console.log(`Loading ${files.length} file(s) with SotaOcrLoader…\n`);
  const reporter = createReporter(process.stdout);
  const loader = new SotaOcrLoader(files, { concurrency: 4, onError: "skip", onProgress: (progress) => reporter.progress(progress) });
  const started = performance.now();
  const docs = await loader.load();
  reporter.stop();
  console.log(`\n${docs.length} Documents (one per page) in ${((performance.now() - started) / 1000).toFixed(1)} s:\n`);
  for (const doc of docs) {
    const [first = "", ...rest] = paragraphOpenings(doc.pageContent);
    const { loc, sotaocr } = doc.metadata;
    const page = `${basename(doc.metadata.source)} p.${loc?.pageNumber ?? "-"}/${sotaocr?.pageCount ?? "?"}`;
    const prefix = `  ${page.padEnd(24)} ${String(doc.pageContent.length).padStart(5)} chars  `;
    console.log(`${prefix}${first}`);
    // Every paragraph's opening, in reading order: on a two-column page, the left column's, then the right's.
    for (const opening of rest) console.log(`${" ".repeat(prefix.length)}${opening}`);
  }
  if (docs[0]) console.log(`\nMetadata of the first page:\n${JSON.stringify(docs[0].metadata, null, 2)}`);
  for (const { source, error } of loader.failures) console.error(`\nSkipped ${source}: ${error.name}: ${error.message}`);
  process.exitCode = loader.failures.length > 0 ? 1 : 0;
} finally {
  await emulator?.close();
}

/** The first line (up to 60 characters) of each paragraph of a page's text. */
function paragraphOpenings(text: string): string[] {
  return text
    .split(/\n\s*\n/)
    .map((paragraph) => paragraph.trim().split("\n")[0]?.slice(0, 60) ?? "")
    .filter(Boolean);
}

async function samples(): Promise<string[]> {
  const names = (await readdir(DATA)).filter((name) => /\.(pdf|png|jpe?g)$/i.test(name)).sort();
  return names.map((name) => join(DATA, name));
}
