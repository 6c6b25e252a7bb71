import { access } from "node:fs/promises";
import { join, resolve } from "node:path";
import { readPageNumber } from "../api/pages.js";
import { createFileExclusive } from "../cache/atomic-file.js";
import type { OcrPage, OcrResult, SotaOcrClient } from "../index.js";

// Page images for multimodal indexes and highlighting: the service's page previews (the pixels the
// element boxes are in), written once per file and page (docs/structure.md#page-images).

/** A page image written to disk. */
export interface PageImage {
  pageNumber: number;
  /** Absolute path of the image file. */
  path: string;
  /** "image/png", "image/jpeg"… as the service sent it (guessed from the name for a file already there). */
  contentType: string;
}

export interface PageImagesOptions {
  /** Aborts fetching (`AbortError`); files already written stay. */
  signal?: AbortSignal | undefined;
}

/**
 * Fetches each page's preview and writes it to `folder` as `<file hash>-p<page>.<ext>`. A page
 * whose image is already there (from an earlier run over the same bytes) is not fetched again,
 * and no file is ever overwritten. Requests about one job are paced like its polls (one a second),
 * so a long document's images take about a second a page.
 */
export async function writePageImages(
  client: SotaOcrClient,
  result: OcrResult,
  folder: string,
  options: PageImagesOptions = {},
): Promise<Map<number, PageImage>> {
  const images = new Map<number, PageImage>();
  const pages = result.pages.filter((page) => page.pageRange === undefined);
  for (const [index, page] of pages.entries()) {
    const stem = join(resolve(folder), `${result.file.sha256.slice(0, 16)}-p${page.pageNumber}`);
    const existing = await firstExisting(stem);
    if (existing) {
      images.set(page.pageNumber, { pageNumber: page.pageNumber, ...existing });
      continue;
    }
    const preview = await client.getPagePreview(result.jobId, previewPageNumber(page, index), { signal: options.signal });
    const path = `${stem}.${extensionOf(preview.contentType)}`;
    await createFileExclusive(path, preview.bytes);
    images.set(page.pageNumber, { pageNumber: page.pageNumber, path, contentType: preview.contentType });
  }
  return images;
}

const EXTENSIONS: Readonly<Record<string, string>> = { "image/png": "png", "image/jpeg": "jpg", "image/webp": "webp", "image/gif": "gif" };

function extensionOf(contentType: string): string {
  return EXTENSIONS[contentType.split(";")[0]?.trim().toLowerCase() ?? ""] ?? "img";
}

async function firstExisting(stem: string): Promise<{ path: string; contentType: string } | undefined> {
  for (const [contentType, extension] of Object.entries(EXTENSIONS)) {
    try {
      await access(`${stem}.${extension}`);
      return { path: `${stem}.${extension}`, contentType };
    } catch {}
  }
  return undefined;
}

/**
 * The number the service gave a page, which its preview URL takes: a job limited to page ranges
 * may have numbered its pages 1..k, which the client mapped back onto the document's numbers.
 * `index` is the page's position in the result.
 */
export function previewPageNumber(page: OcrPage, index: number): number {
  return page.raw ? readPageNumber(page.raw, index) : page.pageNumber;
}
