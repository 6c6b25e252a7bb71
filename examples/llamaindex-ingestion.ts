// Ingestion with LlamaIndex: SimpleDirectoryReader → IngestionPipeline → retrieval, one Document per page.
// Run: pnpm tsx examples/llamaindex-ingestion.ts ["your question"]
import { SimpleDirectoryReader } from "@llamaindex/readers/directory";
import { SotaOcrReader } from "@sotaocr/llamaindex";
import {
  DocStoreStrategy,
  IngestionPipeline,
  MetadataMode,
  SentenceSplitter,
  Settings,
  SimpleDocumentStore,
  VectorStoreIndex,
} from "llamaindex";
import { sample, useEmulatorUnlessKeySet } from "./support/backend.js";
import { LocalHashEmbedding } from "./support/local-embeddings.js";

const backend = await useEmulatorUnlessKeySet();
try {
  Settings.embedModel = new LocalHashEmbedding();
  const reader = new SotaOcrReader();
  const documents = await new SimpleDirectoryReader().loadData({
    directoryPath: sample(""),
    fileExtToReader: { pdf: reader, png: reader, jpg: reader, jpeg: reader },
    defaultReader: null as never, // skip other files (ground-truth.json) instead of reading them as text
    numWorkers: 4,
  });
  // SimpleDirectoryReader logs reader errors and goes on: the reader keeps them.
  for (const { source, error } of reader.failures) console.error(`skipped ${source}: ${error.message}`);
  console.log(`Read ${documents.length} pages.`);

  const pipeline = new IngestionPipeline({
    transformations: [new SentenceSplitter({ chunkSize: 256, chunkOverlap: 20 })],
    docStore: new SimpleDocumentStore(),
    docStoreStrategy: DocStoreStrategy.DUPLICATES_ONLY,
  });
  const nodes = await pipeline.run({ documents });
  const again = await pipeline.run({ documents });
  console.log(`Ingested ${nodes.length} nodes (a second run over the same pages adds ${again.length}).`);

  const index = await VectorStoreIndex.init({ nodes });
  const question = process.argv[2] ?? "How much did the sourdough loaves cost at the bakery?";
  const [hit] = await index.asRetriever({ similarityTopK: 1 }).retrieve({ query: question });
  if (!hit) throw new Error("no match");
  console.log(`\nQ: ${question}`);
  console.log(`A: ${hit.node.metadata.file_name}, page ${hit.node.metadata.page_number}:`);
  console.log(`   ${hit.node.getContent(MetadataMode.NONE).replace(/\s+/g, " ").slice(0, 160)}…`);
} finally {
  await backend.close();
}
