export { collapse, dataPath, groundTruth } from "@sotaocr/test-support";
export { LocalHashEmbedding as HashEmbedding } from "@sotaocr/test-support/embeddings";
