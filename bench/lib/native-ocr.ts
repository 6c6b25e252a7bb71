import { execFile } from "node:child_process";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { gunzipSync } from "node:zlib";

const run = promisify(execFile);
/** One thread per tesseract process: the bench runs as many processes as cores instead. */
const SINGLE_THREAD = { ...process.env, OMP_THREAD_LIMIT: "1" };

/** Every page's text of a PDF's text layer, by `pdftotext` (pages end with a form feed). */
export async function pdftotextPages(path: string): Promise<string[]> {
  const { stdout } = await run("pdftotext", ["-enc", "UTF-8", path, "-"], { maxBuffer: 64 * 1024 * 1024 });
  const pages = stdout.split("\f");
  if (pages.at(-1)?.trim() === "") pages.pop();
  return pages;
}

/** Renders a PDF's pages to grayscale PGM files at `dpi` with `pdftoppm`; returns their paths in page order. */
export async function pdftoppmPages(path: string, dir: string, dpi: number): Promise<string[]> {
  await run("pdftoppm", ["-r", String(dpi), "-gray", path, join(dir, "page")]);
  return (await readdir(dir))
    .filter((name) => name.startsWith("page") && name.endsWith(".pgm"))
    .sort()
    .map((name) => join(dir, name));
}

/**
 * An image's text by the `tesseract` CLI (English, LSTM, single-threaded). `tessdataDir` picks
 * another model than the system's (Debian ships tessdata_fast); `psm` another page segmentation
 * mode than the CLI's default (3, automatic; 1 adds orientation detection).
 */
export async function tesseractText(imagePath: string, tessdataDir?: string, psm?: number): Promise<string> {
  const model = tessdataDir ? ["--tessdata-dir", tessdataDir] : [];
  const mode = psm === undefined ? [] : ["--psm", String(psm)];
  const { stdout } = await run("tesseract", [...model, imagePath, "stdout", "-l", "eng", "--oem", "1", ...mode], {
    env: SINGLE_THREAD,
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

/** A tessdata folder holding the local engine's model (its gzipped `eng.traineddata`, unpacked). */
export async function unpackTessdata(gzipPath: string, dir: string): Promise<string> {
  await writeFile(join(dir, "eng.traineddata"), gunzipSync(await readFile(gzipPath)));
  return dir;
}

/** Maps `items` with at most `concurrency` in flight, keeping their order. */
export async function mapConcurrently<T, R>(items: readonly T[], concurrency: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

/** The installed tesseract's version line, for the report. */
export async function tesseractVersion(): Promise<string> {
  const { stdout, stderr } = await run("tesseract", ["--version"]);
  return (stdout || stderr).split("\n")[0] ?? "tesseract";
}
