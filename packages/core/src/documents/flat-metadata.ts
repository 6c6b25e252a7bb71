// For vector stores that take only primitive metadata values (Chroma, Pinecone and others reject
// nested objects): docs/structure.md#flat-metadata.

export type FlatMetadata = Record<string, string | number | boolean>;

/**
 * Metadata with only strings, finite numbers and booleans: nested objects become dotted keys
 * (`loc.pageNumber`, `coordinates.layout_width`), arrays become JSON text (`coordinates.points`),
 * dates ISO text; null and undefined are left out. Apply it last, after any text splitter (which
 * adds `loc.lines`), right before the documents go into the store.
 */
export function flattenMetadata(metadata: Readonly<Record<string, unknown>>, separator = "."): FlatMetadata {
  const flat: FlatMetadata = {};
  const visit = (value: unknown, key: string) => {
    if (value === null || value === undefined) return;
    if (typeof value === "string" || typeof value === "boolean") flat[key] = value;
    else if (typeof value === "number") flat[key] = Number.isFinite(value) ? value : String(value);
    else if (typeof value === "bigint") flat[key] = value.toString();
    else if (value instanceof Date) flat[key] = value.toISOString();
    else if (Array.isArray(value)) flat[key] = JSON.stringify(value);
    else if (typeof value === "object") {
      for (const [inner, innerValue] of Object.entries(value)) visit(innerValue, key ? `${key}${separator}${inner}` : inner);
    }
  };
  visit(metadata, "");
  return flat;
}
