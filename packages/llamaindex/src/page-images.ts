import { ImageDocument, type Metadata } from "llamaindex";
import { EXCLUDED_EMBED_METADATA_KEYS, EXCLUDED_LLM_METADATA_KEYS, type SotaOcrReaderMetadata, stableHash } from "./documents.js";

/** The metadata of a page's `ImageDocument`: the page's keys and its image file. */
export interface SotaOcrImageMetadata {
  file_name: string;
  file_path?: string;
  file_type: SotaOcrReaderMetadata["file_type"];
  sha256: string;
  page_number: number;
  page_label: string;
  total_pages?: number;
  pages_processed?: number;
  page_width?: number;
  page_height?: number;
  job_id: string;
  /** The image file (absolute path); also the ImageDocument's `id_` and `image`. */
  image_path: string;
  [key: string]: unknown;
}

const FILE_KEYS = ["file_name", "file_path", "file_type", "sha256", "total_pages", "pages_processed", "job_id"] as const;
const PAGE_KEYS = ["page_width", "page_height"] as const;

/**
 * One `ImageDocument` per page image that `documents` name: the Documents of a reader made with
 * `pageImages` (any `split`; several Documents of one page give one image). For multimodal
 * indexes: `image` is the file's absolute path, and so is `id_`, because LlamaIndex's vector
 * retriever rebuilds a retrieved image node's `image` from its `id_` (`ImageNode.getUrl()`).
 * Insert them as nodes (`index.insertNodes(images)`), not through a text splitter, which would
 * give them random ids.
 */
export function pageImageDocuments(documents: readonly { metadata: Metadata }[]): ImageDocument<SotaOcrImageMetadata>[] {
  const images = new Map<string, ImageDocument<SotaOcrImageMetadata>>();
  for (const { metadata } of documents) {
    const pages: { page_number: number; image_path: string }[] = [];
    if (typeof metadata.image_path === "string" && typeof metadata.page_number === "number") {
      pages.push({ page_number: metadata.page_number, image_path: metadata.image_path });
    } else if (Array.isArray(metadata.page_images)) {
      pages.push(...(metadata.page_images as { page_number: number; image_path: string }[]));
    }
    for (const { page_number, image_path } of pages) {
      if (images.has(image_path)) continue;
      const imageMetadata = { page_number, page_label: String(page_number), image_path } as SotaOcrImageMetadata;
      const copied: Record<string, unknown> = imageMetadata;
      const keys = metadata.page_number === page_number ? [...FILE_KEYS, ...PAGE_KEYS] : FILE_KEYS;
      for (const key of keys) if (metadata[key] !== undefined) copied[key] = metadata[key];
      const image = new ImageDocument<SotaOcrImageMetadata>({
        id_: image_path,
        image: image_path,
        text: "",
        metadata: imageMetadata,
        excludedEmbedMetadataKeys: [...EXCLUDED_EMBED_METADATA_KEYS],
        excludedLlmMetadataKeys: [...EXCLUDED_LLM_METADATA_KEYS],
      });
      image.hash = stableHash(`image of page ${page_number}`, imageMetadata);
      images.set(image_path, image);
    }
  }
  return [...images.values()];
}
