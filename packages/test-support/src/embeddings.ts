// The examples' offline embeddings (examples/support), so tests retrieve with what the examples
// show. A subpath of its own: it loads @langchain/core and llamaindex, which the client's
// tests do without.
export { LocalHashEmbedding, LocalHashEmbeddings } from "../../../examples/support/local-embeddings.js";
