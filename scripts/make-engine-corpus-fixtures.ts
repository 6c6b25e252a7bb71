/**
 * Regenerates test/fixtures/engine-corpus/ (committed; run this only to change it):
 *
 *   pnpm exec tsx scripts/make-engine-corpus-fixtures.ts
 *
 * Takes a few pages of the benchmark's third-party corpus (bench/lib/corpus.ts: needs apt-get,
 * poppler and ImageMagick, which the tests must not) and stores them small, each with its ground
 * truth as `<name>.txt`, so `pnpm test` can hold the local engine to CER bounds on real documents.
 * Only pages whose licences allow redistributing modified copies with a notice (LPPL 1.3c, the R
 * manual's permission notice); the folder's README.md says where each file comes from.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { type CorpusItem, prepareCorpus, SCAN_DPI, type Variant } from "../bench/lib/corpus.js";
import { repoPath } from "../bench/lib/paths.js";

const run = promisify(execFile);
const OUT = repoPath("test/fixtures/engine-corpus");

/** The fixtures: corpus page and variant → file name (without extension). */
const PICKS: { id: string; variant: Variant | "text-layer"; name: string }[] = [
  { id: "ltnews30-p2", variant: "clean", name: "two-column-clean" },
  { id: "ltnews35-p2", variant: "degraded", name: "two-column-degraded" },
  { id: "r-intro-p12", variant: "rotated", name: "rotated-180" },
  { id: "psnfss2e-p3", variant: "clean", name: "table-clean" },
  { id: "brief-sample-p1", variant: "text-layer", name: "letter-text-layer" },
];

const items = await prepareCorpus();
await mkdir(OUT, { recursive: true });
for (const pick of PICKS) {
  const item = items.find((i) => i.page.id === pick.id && i.variant === pick.variant);
  if (!item) throw new Error(`no corpus item ${pick.id} ${pick.variant}`);
  const file = await store(item, join(OUT, pick.name));
  await writeFile(join(OUT, `${pick.name}.txt`), item.truth);
  if (pick.name === "two-column-clean") await writeFile(join(OUT, "two-column-scan.pdf"), imageOnlyPdf(readFileSync(file), item));
  console.log(`${pick.name}: ${pick.id} ${pick.variant} → ${file}`);
}

/** Writes the item compactly: scans as 8-bit grey PNG (lossless), degraded scans as JPEG, PDFs as they are; no timestamps, so a second run changes nothing. */
async function store(item: CorpusItem, base: string): Promise<string> {
  if (item.variant === "text-layer") {
    await copyFile(item.path, `${base}.pdf`);
    return `${base}.pdf`;
  }
  if (item.variant === "degraded") {
    // The recipe already passes the page through JPEG at quality 55; once more at the same quality
    // costs little and keeps the file at a fifth of the PNG's size.
    await run("convert", [item.path, "-strip", "-colorspace", "Gray", "-quality", "55", `${base}.jpg`]);
    return `${base}.jpg`;
  }
  await run("convert", [
    item.path,
    "-strip",
    "-colorspace",
    "Gray",
    "-define",
    "png:color-type=0",
    "-define",
    "png:compression-level=9",
    `${base}.png`,
  ]);
  return `${base}.png`;
}

/**
 * A one-page PDF with no text layer: the grey PNG's compressed pixel data as the page's only image
 * (PDF's Flate filter understands PNG's row predictors), the page sized as the scan at SCAN_DPI.
 */
function imageOnlyPdf(png: Buffer, item: CorpusItem): Buffer {
  const { width, height, data } = pngGreyData(png);
  const [w, h] = [(width * 72) / SCAN_DPI, (height * 72) / SCAN_DPI].map((v) => Number(v.toFixed(2)));
  const content = `q ${w} 0 0 ${h} 0 0 cm /Scan Do Q`;
  const objects: (string | Buffer)[] = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${w} ${h}] /Resources << /XObject << /Scan 4 0 R >> >> /Contents 5 0 R >>`,
    Buffer.concat([
      Buffer.from(
        `<< /Type /XObject /Subtype /Image /Width ${width} /Height ${height} /ColorSpace /DeviceGray /BitsPerComponent 8 ` +
          `/Filter /FlateDecode /DecodeParms << /Predictor 15 /Colors 1 /BitsPerComponent 8 /Columns ${width} >> /Length ${data.length} >>\nstream\n`,
      ),
      data,
      Buffer.from("\nendstream"),
    ]),
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
  ];
  const parts: Buffer[] = [Buffer.from(`%PDF-1.4\n%${item.page.id}: an image-only rendering, see README.md\n`)];
  const offsets: number[] = [];
  let length = parts[0]!.length;
  objects.forEach((body, i) => {
    const part = Buffer.concat([
      Buffer.from(`${i + 1} 0 obj\n`),
      Buffer.isBuffer(body) ? body : Buffer.from(body),
      Buffer.from("\nendobj\n"),
    ]);
    offsets.push(length);
    parts.push(part);
    length += part.length;
  });
  const xref = ["xref", `0 ${objects.length + 1}`, "0000000000 65535 f ", ...offsets.map((o) => `${String(o).padStart(10, "0")} 00000 n `)];
  parts.push(Buffer.from(`${xref.join("\n")}\ntrailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${length}\n%%EOF\n`));
  return Buffer.concat(parts);
}

/** Size and concatenated IDAT data of a non-interlaced 8-bit greyscale PNG. */
function pngGreyData(png: Buffer): { width: number; height: number; data: Buffer } {
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  // IHDR: bit depth at byte 24, colour type at 25, interlace method at 28.
  if (png[24] !== 8 || png[25] !== 0 || png[28] !== 0) throw new Error("expected a non-interlaced 8-bit grey PNG");
  const chunks: Buffer[] = [];
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    if (png.toString("latin1", at + 4, at + 8) === "IDAT") chunks.push(png.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  return { width, height, data: Buffer.concat(chunks) };
}
