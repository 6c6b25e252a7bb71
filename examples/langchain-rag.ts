// Retrieval over OCR'd PDFs with LangChain: load → split → embed → search, one page per Document.
// Run: pnpm tsx examples/langchain-rag.ts ["your question"]
import { MemoryVectorStore } from "@langchain/classic/vectorstores/memory";
import { RecursiveCharacterTextSplitter } from "@langchain/textsplitters";
import { SotaOcrLoader } from "@sotaocr/langchain";
import { sample, useEmulatorUnlessKeySet } from "./support/backend.js";
import { LocalHashEmbeddings } from "./support/local-embeddings.js";

const backend = await useEmulatorUnlessKeySet();
try {
  // A text PDF and a PDF whose pages 2 and 4 are scans: one Document per page either way.
  const loader = new SotaOcrLoader([sample("report.pdf"), sample("mixed.pdf")], {
    onProgress: (p) => console.log(`  ${p.source}: ${p.status} ${p.pagesCompleted ?? 0}/${p.pageCount ?? "?"}`),
  });
  const chunks = await loader.loadAndSplit(new RecursiveCharacterTextSplitter({ chunkSize: 500, chunkOverlap: 50 }));
  console.log(`Loaded ${chunks.length} chunks.`);

  const store = await MemoryVectorStore.fromDocuments(chunks, new LocalHashEmbeddings());
  const question = process.argv[2] ?? "When is the warehouse closed for the annual stock count?";
  const [hit] = await store.similaritySearch(question, 1);
  if (!hit) throw new Error("no match");
  console.log(`\nQ: ${question}`);
  console.log(`A: ${hit.metadata.source.split("/").pop()}, page ${hit.metadata.loc.pageNumber}:`);
  console.log(`   ${hit.pageContent.replace(/\s+/g, " ").slice(0, 160)}…`);
} finally {
  await backend.close();
}
