/**
 * Benchmark 5: the emulator's `local` engine (pdf.js text layer; pdf.js rendering + tesseract.js)
 * against native `pdftotext` and `tesseract` on the same pages: pages per second and character
 * error rate (CER, whitespace collapsed) for text-layer PDF pages, scanned PDF pages (rendered with
 * `pdftoppm -r 300 -gray` for native tesseract), images, and tesseract.js's real-world test images
 * (rotated scans among them). Native tesseract runs twice: with Debian's model (tessdata_fast) and
 * with the model the engine reads with (fast by default, `LOCAL_ENGINE_MODEL=best` for best_int),
 * so engine and model differences show apart.
 * Both sides use every core: the engine its worker pool, native tesseract one process per core.
 *
 * Then the third-party corpus (`lib/corpus.ts`: pages of Debian documentation PDFs and receipts
 * from an npm package, as text-layer pages and as clean, degraded and rotated scans): CER, WER,
 * reading order, table rows and receipts' amounts per class, and pages/s, each group read `workers` pages at a time by the engine and by native tools.
 * Degraded scans come in several noise draws: their quality is the mean over all draws, with each
 * draw shown apart; their speed is the first draw's alone (see `runCorpus`).
 */
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { EngineDocument, EngineFileType } from "../packages/emulator/src/engine.js";
import { TESSDATA_FILE, tesseractLangPath } from "../packages/emulator/src/engines/local/assets.js";
import { characterErrorRate } from "../packages/emulator/src/engines/local/cer.js";
import { createLocalEngine, type LocalEngine, type LocalEngineOptions } from "../packages/emulator/src/engines/local/index.js";
import { checkOcrModel } from "../packages/emulator/src/engines/local/ocr-model.js";
import { type CorpusItem, NOISE_SEEDS, prepareCorpus } from "./lib/corpus.js";
import { tempDir } from "./lib/fixtures.js";
import { mapConcurrently, pdftoppmPages, pdftotextPages, tesseractText, tesseractVersion, unpackTessdata } from "./lib/native-ocr.js";
import { drawRows, ratioOf } from "./lib/noise-draws.js";
import { repoPath, samplePath } from "./lib/paths.js";
import { mean, median, round, sum } from "./lib/stats.js";
import type { BenchResult } from "./lib/summary.js";
import { printTable } from "./lib/table.js";
import { amountsKept, cer as corpusCer, readingOrder, tableRowsKept, wer } from "./lib/text-metrics.js";

const CORES = availableParallelism();
/** Resolution native tesseract gets scans at (pdftoppm -r). */
const NATIVE_SCAN_DPI = 300;
const CORPUS = repoPath("test/fixtures/tesseract-js-tests");

type Kind = "text-layer" | "scanned" | "image" | "real-world";
type Reader = "local" | "native" | "native-same-model";

interface Sample {
  kind: Kind;
  path: string;
  /** Expected text of each page. */
  truth: string[];
}

interface Reading {
  kind: Kind;
  sample: string;
  reader: Reader;
  pages: number;
  ms: number;
  cer: number;
}

function samples(): Sample[] {
  const truth = JSON.parse(readFileSync(samplePath("ground-truth.json"), "utf8")) as Record<string, string[]>;
  const corpus = JSON.parse(readFileSync(join(CORPUS, "expected.json"), "utf8")) as Record<string, string>;
  const own = (file: string, kind: Kind): Sample => ({ kind, path: samplePath(file), truth: truth[file] ?? [] });
  return [
    own("report.pdf", "text-layer"),
    own("report-scanned.pdf", "scanned"),
    own("page.png", "image"),
    own("page.jpg", "image"),
    ...Object.entries(corpus).map(([file, text]): Sample => ({ kind: "real-world", path: join(CORPUS, file), truth: [text] })),
  ];
}

const typeOf = (path: string): EngineFileType => (path.endsWith(".pdf") ? "pdf" : path.endsWith(".png") ? "png" : "jpeg");
const nameOf = (path: string) => path.split("/").at(-1) ?? path;

/**
 * `LOCAL_ENGINE_GROUPS=table,two-column` (substrings of the corpus group names, e.g. `table text-layer`)
 * runs only those corpus groups and skips the own-sample part: for iterating on one class.
 */
const ONLY_GROUPS = process.env.LOCAL_ENGINE_GROUPS?.split(",")
  .map((g) => g.trim())
  .filter(Boolean);

export async function runLocalEngine(
  options: { repeats?: number; engine?: LocalEngineOptions; corpus?: boolean } = {},
): Promise<BenchResult> {
  const repeats = options.repeats ?? 2;
  // `LOCAL_ENGINE_MODEL=best` benches the engine with tessdata_best (integer) instead of its default.
  const engineModel = options.engine?.ocrModel ?? checkOcrModel(process.env.LOCAL_ENGINE_MODEL || undefined, "LOCAL_ENGINE_MODEL");
  const engine = createLocalEngine({ ...options.engine, ocrModel: engineModel });
  if (ONLY_GROUPS?.length) {
    try {
      // The same warm-up as the full run, so the first group's pages/s is not pdf.js's start-up.
      await readDocument(engine, samplePath("report.pdf"));
      await readDocument(engine, samplePath("report-scanned.pdf"));
      const corpus = await runCorpus(engine, ONLY_GROUPS);
      return { name: "local-engine", summary: corpus.summary, details: { corpus: corpus.details } };
    } finally {
      await engine.close();
    }
  }
  const tessdata = await tempDir("tessdata");
  console.log(
    `local-engine: ${engine.pageConcurrency} engine workers (model ${engineModel}) vs ${CORES} native processes; ${await tesseractVersion()}; median of ${repeats} runs`,
  );
  try {
    const sameModel = await unpackTessdata(join(tesseractLangPath(engineModel), TESSDATA_FILE), tessdata.dir);
    // Loads pdf.js and starts every OCR worker: paid once per emulator, not per page.
    await readDocument(engine, samplePath("report.pdf"));
    await readDocument(engine, samplePath("report-scanned.pdf"));
    const readings: Reading[] = [];
    for (const sample of samples()) {
      const runs: [Reader, () => Promise<string[]>][] = [
        ["local", () => readDocument(engine, sample.path)],
        ["native", () => readNatively(sample)],
      ];
      if (sample.kind !== "text-layer") runs.push(["native-same-model", () => readNatively(sample, sameModel)]);
      for (const [reader, read] of runs) {
        const { texts, ms } = await medianRun(repeats, read);
        readings.push({ kind: sample.kind, sample: nameOf(sample.path), reader, pages: texts.length, ms, cer: cerOf(texts, sample.truth) });
      }
    }
    printTable(
      readings.map((reading) => ({
        sample: reading.sample,
        reader:
          reading.reader === "local"
            ? "local engine"
            : reading.kind === "text-layer"
              ? "pdftotext"
              : reading.reader === "native"
                ? "tesseract (fast)"
                : `tesseract (the engine's model, ${engineModel})`,
        pages: reading.pages,
        ms: Math.round(reading.ms),
        pages_per_s: round((1000 * reading.pages) / reading.ms, 2),
        cer: round(reading.cer, 4),
      })),
    );
    const of = (kind: Kind, reader: Reader) => readings.filter((reading) => reading.kind === kind && reading.reader === reader);
    const rate = (kind: Kind, reader: Reader) =>
      (1000 * sum(of(kind, reader).map((r) => r.pages))) / sum(of(kind, reader).map((r) => r.ms));
    const cer = (kind: Kind, reader: Reader) => round(mean(of(kind, reader).map((reading) => reading.cer)), 4);
    const summary = {
      text_speed_ratio: rate("text-layer", "local") / rate("text-layer", "native"),
      text_cer: cer("text-layer", "local"),
      pdftotext_cer: cer("text-layer", "native"),
      scan_speed_ratio: rate("scanned", "local") / rate("scanned", "native"),
      scan_speed_ratio_same_model: rate("scanned", "local") / rate("scanned", "native-same-model"),
      scan_pages_per_s: round(rate("scanned", "local"), 2),
      scan_cer: cer("scanned", "local"),
      tesseract_scan_cer: cer("scanned", "native"),
      image_speed_ratio: rate("image", "local") / rate("image", "native"),
      image_speed_ratio_same_model: rate("image", "local") / rate("image", "native-same-model"),
      image_cer: cer("image", "local"),
      tesseract_image_cer: cer("image", "native"),
      real_world_speed_ratio: rate("real-world", "local") / rate("real-world", "native"),
      real_world_cer: cer("real-world", "local"),
      tesseract_real_world_cer: cer("real-world", "native"),
      tesseract_same_model_real_world_cer: cer("real-world", "native-same-model"),
      workers: engine.pageConcurrency,
    };
    const corpus = options.corpus === false ? undefined : await runCorpus(engine);
    return { name: "local-engine", summary: { ...summary, ...corpus?.summary }, details: { readings, corpus: corpus?.details } };
  } finally {
    await engine.close();
    await tessdata.remove();
  }
}

/** Runs `read` `repeats` times; the texts of the last run and the median time. */
async function medianRun(repeats: number, read: () => Promise<string[]>): Promise<{ texts: string[]; ms: number }> {
  const times: number[] = [];
  let texts: string[] = [];
  for (let i = 0; i < repeats; i++) {
    const started = performance.now();
    texts = await read();
    times.push(performance.now() - started);
  }
  return { texts, ms: median(times) };
}

/** Every page's plain text, read as the emulator's job queue reads them: in order, `pageConcurrency` at a time. */
async function readDocument(engine: LocalEngine, path: string): Promise<string[]> {
  return (await readPages(engine, path)).map((page) => page.text);
}

async function readPages(engine: LocalEngine, path: string): Promise<{ text: string; markdown: string }[]> {
  const document: EngineDocument = await engine.open(path, typeOf(path));
  try {
    const numbers = Array.from({ length: document.pageCount }, (_, i) => i + 1);
    return await mapConcurrently(numbers, engine.pageConcurrency, (n) => document.readPage(n));
  } finally {
    await document.close();
  }
}

interface CorpusReading {
  group: string;
  page: string;
  reader: "local" | "native";
  /** Degraded scans: the noise seed of the draw. */
  seed?: number;
  cer: number;
  wer: number;
  order?: number;
  tableRows?: number;
  /** Table rows found as rows of a markdown table. */
  markdownRows?: number;
  /** For receipts: the share of amounts with decimals (`172.80`) read as such. */
  amounts?: number;
  /** What was read (markdown for the engine), for looking at. */
  output: string;
}

/** The group a corpus item is reported in: `<class> <variant>`, rotated scans all together. */
const groupOf = (item: CorpusItem) => (item.variant === "rotated" ? "rotated scans" : `${item.page.class} ${item.variant}`);

/** The third-party corpus, group by group: the engine, then native tools, on the same files. */
export async function runCorpus(engine: LocalEngine, only?: readonly string[]) {
  const items = await prepareCorpus();
  const groups = [...new Set(items.map(groupOf))].filter((group) => !only || only.some((g) => group.includes(g)));
  const readings: CorpusReading[] = [];
  const times: { group: string; reader: "local" | "native"; pages: number; ms: number }[] = [];
  for (const group of groups) {
    const members = items.filter((item) => groupOf(item) === group);
    // Only the first noise draw is timed: the speed ratios keep the page mix of the runs before
    // several draws (clean, one degraded draw, rotated), so they compare; the other draws are read
    // for quality only, after the timed part.
    const timed = members.filter((item) => item.seed === undefined || item.seed === NOISE_SEEDS[0]);
    const extraDraws = members.filter((item) => !timed.includes(item));
    const sides: ["local" | "native", (item: CorpusItem) => Promise<{ text: string; markdown: string }>][] = [
      ["local", async (item) => (await readPages(engine, item.path))[0] ?? { text: "", markdown: "" }],
      [
        "native",
        async (item) => {
          const text =
            item.variant === "text-layer"
              ? ((await pdftotextPages(item.path))[0] ?? "")
              : await tesseractText(item.path, undefined, item.variant === "rotated" ? 1 : undefined);
          return { text, markdown: text };
        },
      ],
    ];
    for (const [reader, read] of sides) {
      const started = performance.now();
      const timedOutputs = await mapConcurrently(timed, engine.pageConcurrency, read);
      times.push({ group, reader, pages: timed.length, ms: performance.now() - started });
      const outputs = [...timedOutputs, ...(await mapConcurrently(extraDraws, engine.pageConcurrency, read))];
      [...timed, ...extraDraws].forEach((item, i) => {
        const output = outputs[i]!;
        readings.push({
          group,
          page: item.page.id,
          reader,
          seed: item.seed,
          cer: corpusCer(output.text, item.truth),
          wer: wer(output.text, item.truth),
          order: item.page.class === "two-column" ? readingOrder(output.text, item.truth) : undefined,
          tableRows: item.page.tableRows ? tableRowsKept(output.markdown, item.page.tableRows) : undefined,
          markdownRows: item.page.tableRows ? tableRowsKept(output.markdown, item.page.tableRows, { markdownTableOnly: true }) : undefined,
          amounts: item.page.class === "receipt" ? amountsKept(output.text, item.truth) : undefined,
          output: output.markdown,
        });
      });
    }
  }
  printTable(
    readings.map(({ output: _, ...r }) => ({
      ...r,
      seed: r.seed ?? "",
      cer: round(r.cer, 3),
      wer: round(r.wer, 3),
      order: r.order === undefined ? "" : round(r.order, 2),
      tableRows: r.tableRows === undefined ? "" : round(r.tableRows, 2),
      markdownRows: r.markdownRows === undefined ? "" : round(r.markdownRows, 2),
      amounts: r.amounts === undefined ? "" : round(r.amounts, 2),
    })),
  );
  const rows = groups.map((group) => {
    const of = (reader: "local" | "native") => readings.filter((r) => r.group === group && r.reader === reader);
    const avg = (reader: "local" | "native", key: "cer" | "wer" | "order" | "tableRows" | "markdownRows" | "amounts") => {
      const values = of(reader)
        .map((r) => r[key])
        .filter((v): v is number => v !== undefined);
      return values.length === 0 ? undefined : round(mean(values), 3);
    };
    const rate = (reader: "local" | "native") => {
      const t = times.find((x) => x.group === group && x.reader === reader)!;
      return (1000 * t.pages) / t.ms;
    };
    const meanCer = (reader: "local" | "native") => mean(of(reader).map((r) => r.cer));
    return {
      group,
      pages: new Set(of("local").map((r) => r.page)).size,
      draws: new Set(of("local").map((r) => r.seed)).size,
      cer: avg("local", "cer"),
      native_cer: avg("native", "cer"),
      cer_ratio: ratioOf(meanCer("local"), meanCer("native")),
      wer: avg("local", "wer"),
      native_wer: avg("native", "wer"),
      order: avg("local", "order"),
      native_order: avg("native", "order"),
      table_rows: avg("local", "tableRows"),
      native_table_rows: avg("native", "tableRows"),
      markdown_table_rows: avg("local", "markdownRows"),
      amounts: avg("local", "amounts"),
      native_amounts: avg("native", "amounts"),
      pages_per_s: round(rate("local"), 2),
      native_pages_per_s: round(rate("native"), 2),
      speed_ratio: round(rate("local") / rate("native"), 2),
    };
  });
  console.log("\ncorpus by class (native = pdftotext for text-layer pages, tesseract 5 otherwise; rotated: tesseract --psm 1):");
  printTable(rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v ?? ""]))));
  const draws = drawRows(readings);
  if (draws.length > 0) {
    console.log(`\ndegraded classes per noise draw (the class's CER above is the mean of these; speed: seed ${NOISE_SEEDS[0]} only):`);
    printTable(draws.map((row) => ({ ...row })));
  }
  // `times` holds the first noise draw only (see above), so this is the same page mix as before the draws.
  const scanTimes = times.filter((t) => !t.group.endsWith("text-layer"));
  const scanRate = (reader: "local" | "native") =>
    sum(scanTimes.filter((t) => t.reader === reader).map((t) => t.pages)) /
    sum(scanTimes.filter((t) => t.reader === reader).map((t) => t.ms));
  const summary: Record<string, number> = {};
  if (scanTimes.length > 0) summary.corpus_scan_speed_ratio = round(scanRate("local") / scanRate("native"), 3);
  for (const row of rows) {
    const key = row.group.replace(/[^a-z]+/g, "_");
    summary[`${key}_cer`] = row.cer ?? Number.NaN;
    summary[`${key}_native_cer`] = row.native_cer ?? Number.NaN;
    if (row.table_rows !== undefined) summary[`${key}_table_rows`] = row.table_rows;
    if (row.markdown_table_rows !== undefined) summary[`${key}_markdown_table_rows`] = row.markdown_table_rows;
    if (row.amounts !== undefined) summary[`${key}_amounts`] = row.amounts;
    if (row.native_amounts !== undefined) summary[`${key}_native_amounts`] = row.native_amounts;
    const ofGroup = draws.filter((d) => d.group === row.group);
    if (ofGroup.length > 1) summary[`${key}_worst_draw_ratio`] = Math.max(...ofGroup.map((d) => d.ratio));
  }
  return { summary, details: { readings, times, rows } };
}

async function readNatively(sample: Sample, tessdataDir?: string): Promise<string[]> {
  if (sample.kind === "text-layer") return pdftotextPages(sample.path);
  if (!sample.path.endsWith(".pdf")) return [await tesseractText(sample.path, tessdataDir)];
  const scans = await tempDir("scan");
  try {
    const images = await pdftoppmPages(sample.path, scans.dir, NATIVE_SCAN_DPI);
    return await mapConcurrently(images, CORES, (image) => tesseractText(image, tessdataDir));
  } finally {
    await scans.remove();
  }
}

/** Mean CER over the pages (a missing page counts as all wrong). */
function cerOf(texts: string[], reference: string[]): number {
  return mean(reference.map((expected, i) => characterErrorRate(texts[i] ?? "", expected)));
}
