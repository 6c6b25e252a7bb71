/**
 * What the emulator's server needs from an OCR engine. `local` (pdf.js text layer + tesseract.js)
 * and `synthetic` (deterministic text at a set pace) implement it; users may pass their own.
 */

/** A text region on a page, in the preview image's pixel coordinates. */
export interface EngineBlock {
  /**
   * The block's label in PaddleOCR's layout vocabulary, as the real service sends it:
   * "doc_title", "paragraph_title", "text", "table", "image", "header", "footer", "number",
   * "figure_title", "table_title", "formula", "footnote", "aside_text"… (see docs/api-contract.md).
   */
  type: string;
  /** The block's text; for a "table", the table as HTML (`<table><tr><td>…</td></tr></table>`). */
  text: string;
  /** [x0, y0, x1, y1] in pixels of the page preview. */
  bbox: [number, number, number, number];
  /** Confidence 0–1 (1 for text-layer text). */
  score: number;
}

/** One page read by an engine. */
export interface EnginePage {
  markdown: string;
  text: string;
  /** Size in pixels of the page preview (the bboxes' coordinate space). */
  width: number;
  height: number;
  /**
   * How far the page was turned clockwise, in degrees (0, 90, 180, 270), to make it upright before
   * reading: a scan stored sideways that needed a quarter turn clockwise reports 90.
   */
  angle: number;
  blocks: EngineBlock[];
  /** How the text was obtained. */
  method: "text_layer" | "ocr" | "synthetic";
}

/** A document opened by an engine. */
export interface EngineDocument {
  /** Pages in the document (1 for an image). */
  readonly pageCount: number;
  /** Reads one page (1-based). */
  readPage(pageNumber: number, signal?: AbortSignal): Promise<EnginePage>;
  /** A PNG of the page, in the coordinate space of its bboxes. */
  previewPage(pageNumber: number): Promise<Uint8Array>;
  /** Frees what the document holds. */
  close(): Promise<void>;
}

export type EngineFileType = "pdf" | "png" | "jpeg";

export interface Engine {
  readonly name: string;
  /** How many pages of one job the server may read at once (the engine's own pool size). @default 1 */
  readonly pageConcurrency?: number;
  /**
   * Opens a stored upload. Throws `EngineInputError` when the file cannot be read as its type
   * (a broken or encrypted PDF, an undecodable image): the job then fails with that code.
   */
  open(path: string, fileType: EngineFileType, signal?: AbortSignal): Promise<EngineDocument>;
  /** Stops workers; the engine is not used afterwards. */
  close(): Promise<void>;
}

/** A file the engine cannot read; `code` becomes the failed job's error code. */
export class EngineInputError extends Error {
  override readonly name = "EngineInputError";
  constructor(
    readonly code: "invalid_pdf" | "encrypted_pdf" | "invalid_image" | "page_too_large",
    message: string,
  ) {
    super(message);
  }
}
