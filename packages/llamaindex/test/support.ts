export { LocalHashEmbedding as HashEmbedding } from "../../../examples/support/local-embeddings.js";
export { collapse, dataPath, groundTruth } from "../../../test/support/samples.js";
