// From an answer back to the page: retrieve a chunk for a question, find the boxes its text came
// from (chunkSources), and draw them on the page image.
// Run: pnpm tsx examples/highlight-chunk.ts ["your question"] [out.png]
import { readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { MemoryVectorStore } from "@langchain/classic/vectorstores/memory";
import { RecursiveCharacterTextSplitter } from "@langchain/textsplitters";
import { chunkSources, SotaOcrLoader } from "@sotaocr/langchain";
import { PNG } from "pngjs";
import { sample, useEmulatorUnlessKeySet } from "./support/backend.js";
import { LocalHashEmbeddings } from "./support/local-embeddings.js";

const question = process.argv[2] || "How often should the inverter display be checked?";
const out = process.argv[3] || "highlight.png";

const backend = await useEmulatorUnlessKeySet();
try {
  // Page images are written once per file and page: a second run reuses them.
  const loader = new SotaOcrLoader(sample("report.pdf"), { pageImages: join(tmpdir(), "sotaocr-page-images") });
  const chunks = await loader.loadAndSplit(new RecursiveCharacterTextSplitter({ chunkSize: 300, chunkOverlap: 0 }));
  const store = await MemoryVectorStore.fromDocuments(chunks, new LocalHashEmbeddings());
  const [hit] = await store.similaritySearch(question, 1);
  if (!hit) throw new Error("no match");
  console.log(`Q: ${question}`);
  console.log(
    `A: ${basename(hit.metadata.source)}, page ${hit.metadata.loc.pageNumber}: ${hit.pageContent.replace(/\s+/g, " ").slice(0, 100)}…`,
  );

  const sources = chunkSources(hit);
  const imagePath = hit.metadata.sotaocr.pageImage;
  if (!imagePath) throw new Error("no page image");
  const image = PNG.sync.read(await readFile(imagePath));
  for (const { category, bbox, pageWidth } of sources) {
    if (!bbox) continue;
    console.log(`Box: ${category} [${bbox.map(Math.round).join(", ")}]`);
    const scale = image.width / (pageWidth ?? image.width); // boxes are in the preview's pixels: 1 unless the image was resized
    const [x0, y0, x1, y1] = bbox.map((v) => Math.round(v * scale)) as [number, number, number, number];
    drawBox(image, x0 - 10, y0 - 10, x1 + 10, y1 + 10);
  }
  await writeFile(out, PNG.sync.write(image));
  console.log(`Wrote ${out} (${image.width}×${image.height}) with ${sources.length} box(es).`);
} finally {
  await backend.close();
}

/** A red frame, 4 px wide, around a yellow highlighter wash (RGBA pixels, 4 bytes each). */
function drawBox(image: PNG, x0: number, y0: number, x1: number, y1: number): void {
  for (let y = Math.max(0, y0); y < Math.min(image.height, y1); y++) {
    for (let x = Math.max(0, x0); x < Math.min(image.width, x1); x++) {
      const i = (y * image.width + x) * 4;
      const frame = x < x0 + 4 || x >= x1 - 4 || y < y0 + 4 || y >= y1 - 4;
      // The frame is painted; the wash multiplies, as a highlighter does: the text stays dark.
      const [r, g, b] = frame
        ? [220, 30, 30]
        : [(image.data[i] ?? 0) * 1, ((image.data[i + 1] ?? 0) * 235) / 255, ((image.data[i + 2] ?? 0) * 110) / 255];
      image.data.set([r, g, b, 255].map(Math.round), i);
    }
  }
}
