import type { OcrPage, OcrResult } from "../index.js";
import { pageId, wholeResultId } from "./page-id.js";

/**
 * What one framework Document is made of, before any framework is involved: the LangChain loader
 * and the LlamaIndex reader turn each part into their own Document and add their own metadata.
 */
export interface DocumentPart {
  /** Stable across runs: `pageId` of the file and page, or `wholeResultId` for a whole result. */
  id: string;
  /** The page's content, or every page's content joined by a blank line. */
  text: string;
  /** The page this part is (its `pageNumber` is the number in the original document); undefined for a whole result. */
  page: OcrPage | undefined;
}

/** One part per page, or a single part for the whole result when `splitPages` is false. */
export function documentParts(result: OcrResult, splitPages: boolean): DocumentPart[] {
  const sha256 = result.file.sha256;
  if (!splitPages) {
    return [{ id: wholeResultId(sha256, result.pageRanges), text: result.pages.map((page) => page.content).join("\n\n"), page: undefined }];
  }
  return result.pages.map((page) => ({ id: pageId(sha256, page.pageNumber), text: page.content, page }));
}
