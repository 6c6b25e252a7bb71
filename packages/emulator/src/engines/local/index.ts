/**
 * The `local` engine: a real, offline OCR engine for the emulator.
 *
 * - PDF pages with a real text layer are read from it (exact text, no OCR): lines and paragraphs
 *   from text positions, headings from font size.
 * - Other PDF pages (scans) are rendered with pdf.js onto an `@napi-rs/canvas` canvas at `dpi` and
 *   read by tesseract.js; PNG/JPEG files go straight to OCR.
 * - OCR runs on a pool of tesseract.js workers sized to the machine, started on the first page that
 *   needs OCR and reused by every document until `close()`.
 *
 * All coordinates (`width`, `height`, block `bbox`) are pixels of the page preview: PDF pages at
 * `PREVIEW_DPI`, images at their own size. See `orientation.ts` for what `angle` means.
 */
import { availableParallelism } from "node:os";
import type { Engine, EngineDocument, EngineFileType, EnginePage } from "../../engine.js";
import { osdModel, tesseractLangPath } from "./assets.js";
import { readHocr } from "./hocr.js";
import { type DecodedImage, decodeImageFile, readImageFile, tesseractReadsAsIs, toPgm } from "./image.js";
import {
  bodySize,
  classifyHeadings,
  isBoldFontName,
  isBoldHeadingCandidate,
  joinHyphenation,
  type LayoutBlock,
  toEngineBlocks,
  toMarkdown,
  toPlainText,
} from "./markdown.js";
import { checkOcrModel, type OcrModel } from "./ocr-model.js";
import { type Angle, rotateCanvas } from "./orientation.js";
import { checkRenderSize, DEFAULT_MAX_PAGE_PIXELS, fitScale, pixelSize } from "./page-size.js";
import { openPdf, type PageImages, type PDFDocumentProxy, type PDFPageProxy, pageImages, renderPage, toInputError } from "./pdf.js";
import { orderByLayout } from "./reading-order.js";
import { TesseractPool, type TesseractPoolStats } from "./tesseract-pool.js";
import { textLayerBlocks, textLayerCharCount } from "./text-layer.js";

export type { TesseractPoolStats } from "./tesseract-pool.js";

export interface LocalEngineOptions {
  /**
   * OCR worker threads (tesseract.js workers), and so how many pages of a job are read at once.
   * @default os.availableParallelism()
   */
  workers?: number;
  /**
   * Resolution PDF pages are rendered at for OCR, in dots per inch. A page that is one scanned
   * image is rendered at the scan's own resolution when that is lower (but at least 200 dpi):
   * more pixels than the scan has cost time and add no accuracy. @default 300
   */
  dpi?: number;
  /** How long one OCR worker may take to start before it is terminated and the page fails. Unit: ms. @default 30000 */
  workerStartTimeoutMs?: number;
  /**
   * Most pixels of one PDF page render. A page whose preview (144 dpi) would be larger fails with
   * `page_too_large`; OCR renders that would be larger are made at a lower resolution.
   * @default 40000000 (40 megapixels)
   */
  maxPagePixels?: number;
  /** tesseract's English model, "fast" or "best" (see `OcrModel`). @default "fast" */
  ocrModel?: OcrModel;
}

/** The `local` engine, with a look at its OCR worker pool. */
export interface LocalEngine extends Engine {
  readonly name: "local";
  readonly pageConcurrency: number;
  /** Counters of the OCR worker pool (all 0 until a page needs OCR). */
  ocrStats(): TesseractPoolStats;
}

/** Resolution of PDF page previews (and so of PDF bboxes): 2 pixels per PDF point. */
export const PREVIEW_DPI = 144;
const PREVIEW_SCALE = PREVIEW_DPI / 72;
/** A PDF page with at least this many characters in its text layer is read from it. */
const TEXT_LAYER_CHARS = 200;
/**
 * A page with fewer characters is OCR'd; in between, it is read from its text layer unless images
 * cover half the page or more (a scan with a stamped header or page number).
 */
const MIN_TEXT_LAYER_CHARS = 32;
const SCAN_COVERAGE = 0.5;
/** Scans are rendered for OCR at their own resolution, but not below this (tesseract reads small text better upsampled). */
const MIN_SCAN_DPI = 200;

interface OcrReading {
  blocks: LayoutBlock[];
  /** Clockwise turn applied before reading. */
  angle: Angle;
}

export function createLocalEngine(options: LocalEngineOptions = {}): LocalEngine {
  const workers = options.workers ?? availableParallelism();
  const dpi = options.dpi ?? 300;
  const workerStartTimeoutMs = options.workerStartTimeoutMs ?? 30_000;
  const maxPagePixels = options.maxPagePixels ?? DEFAULT_MAX_PAGE_PIXELS;
  const ocrModel = checkOcrModel(options.ocrModel, "ocrModel");
  if (!Number.isInteger(workers) || workers < 1) throw new RangeError(`workers must be a positive integer, got ${workers}`);
  if (!(dpi >= 50 && dpi <= 1200)) throw new RangeError(`dpi must be between 50 and 1200, got ${dpi}`);
  if (!Number.isSafeInteger(maxPagePixels) || maxPagePixels < 1) {
    throw new RangeError(`maxPagePixels must be a whole number ≥ 1, got ${maxPagePixels}`);
  }

  let pool: TesseractPool | undefined;
  let closed = false;
  const documents = new Set<EngineDocument>();

  const getPool = () => {
    pool ??= new TesseractPool({
      size: workers,
      langPath: tesseractLangPath(ocrModel),
      osdData: osdModel(),
      startTimeoutMs: workerStartTimeoutMs,
    });
    return pool;
  };

  /**
   * Reads a canvas with tesseract's automatic page segmentation (columns, blocks, paragraphs) and
   * orientation detection in the same pass: a turned page is read along its lines and reported
   * turned, at no extra recognition. Blocks come back in the upright page's preview pixels.
   */
  async function ocr(
    image: Uint8Array,
    size: { width: number; height: number },
    imageDpi: number | undefined,
    toPreview: number,
    signal?: AbortSignal,
  ): Promise<OcrReading> {
    const output = await getPool().recognize(image, { dpi: imageDpi, psm: 1, signal });
    return readHocr(output.hocr, toPreview, { width: size.width, height: size.height });
  }

  function toPage(blocks: LayoutBlock[], size: { width: number; height: number }, angle: number, method: EnginePage["method"]): EnginePage {
    const ordered = orderByLayout(blocks, (b) => b.bbox).map((b) => (b.table ? b : { ...b, lines: joinHyphenation(b.lines) }));
    const classified = classifyHeadings(ordered).map((b) => ({ ...b, bbox: clampBox(b.bbox, size.width, size.height) }));
    return {
      markdown: toMarkdown(classified),
      text: toPlainText(classified),
      width: size.width,
      height: size.height,
      angle,
      blocks: toEngineBlocks(classified),
      method,
    };
  }

  function track(document: EngineDocument): EngineDocument {
    documents.add(document);
    const close = document.close.bind(document);
    return Object.assign(document, {
      close: async () => {
        documents.delete(document);
        await close();
      },
    });
  }

  async function openPdfDocument(path: string): Promise<EngineDocument> {
    const pdf: PDFDocumentProxy = await openPdf(path);
    /** Turns found by OCR, so previews match the bboxes. */
    const angles = new Map<number, Angle>();

    const getPage = async (pageNumber: number) => {
      checkPageNumber(pageNumber, pdf.numPages);
      try {
        return await pdf.getPage(pageNumber);
      } catch (error) {
        throw toInputError(error);
      }
    };

    return {
      pageCount: pdf.numPages,
      async readPage(pageNumber, signal) {
        signal?.throwIfAborted();
        const page = await getPage(pageNumber);
        try {
          // Every page read can be previewed: one too large for that fails now, before any work.
          checkRenderSize(pageNumber, page.getViewport({ scale: 1 }), PREVIEW_SCALE, maxPagePixels);
          const viewport = page.getViewport({ scale: PREVIEW_SCALE });
          const size = pixelSize(viewport);
          const content = await page.getTextContent();
          const items = content.items.filter((item) => "str" in item);
          const chars = textLayerCharCount(items);
          // Only pages in the grey zone need their images looked at to decide.
          const images: PageImages | undefined =
            chars >= MIN_TEXT_LAYER_CHARS && chars < TEXT_LAYER_CHARS ? await pageImages(page) : undefined;
          const useTextLayer = chars >= TEXT_LAYER_CHARS || (images !== undefined && images.coverage < SCAN_COVERAGE);
          if (useTextLayer) {
            const blocks = textLayerBlocks({
              items,
              styles: content.styles,
              viewportTransform: viewport.transform,
              scale: PREVIEW_SCALE,
              ...size,
            });
            return toPage(await markBold(page, blocks), size, 0, "text_layer");
          }
          signal?.throwIfAborted();
          const scan = images ?? (await pageImages(page));
          const wantedDpi = scan.coverage >= SCAN_COVERAGE && scan.dpi ? Math.min(dpi, Math.max(MIN_SCAN_DPI, scan.dpi)) : dpi;
          // A large page is read at a lower resolution rather than rendered past maxPagePixels.
          const ocrScale = fitScale(page.getViewport({ scale: 1 }), wantedDpi / 72, maxPagePixels);
          const canvas = await renderPage(page, ocrScale, maxPagePixels);
          const reading = await ocr(toPgm(canvas), canvas, ocrScale * 72, PREVIEW_SCALE / ocrScale, signal);
          angles.set(pageNumber, reading.angle);
          const turnedSize = reading.angle % 180 === 0 ? size : { width: size.height, height: size.width };
          return toPage(reading.blocks, turnedSize, reading.angle, "ocr");
        } catch (error) {
          throw toInputError(error);
        } finally {
          page.cleanup();
        }
      },
      async previewPage(pageNumber) {
        const page = await getPage(pageNumber);
        try {
          const canvas = rotateCanvas(await renderPage(page, PREVIEW_SCALE, maxPagePixels), angles.get(pageNumber) ?? 0);
          return new Uint8Array(await canvas.encode("png"));
        } catch (error) {
          throw toInputError(error);
        } finally {
          page.cleanup();
        }
      },
      async close() {
        await pdf.destroy();
      },
    };
  }

  async function openImageDocument(path: string, fileType: "png" | "jpeg"): Promise<EngineDocument> {
    const file = await readImageFile(path, fileType);
    // Decoded in-process (after the crash probe) only when tesseract cannot take the file as it is,
    // or for a preview. A file tesseract refuses goes that way too, so a corrupt one still fails
    // with invalid_image, from the probe.
    let decoded: Promise<DecodedImage> | undefined;
    const decode = () => (decoded ??= decodeImageFile(file));
    let reading: Promise<OcrReading & { size: { width: number; height: number } }> | undefined;
    let preview: Promise<Uint8Array> | undefined;
    let readAngle: Angle | undefined;

    async function read(signal?: AbortSignal) {
      if (tesseractReadsAsIs(file)) {
        const size = { width: file.width, height: file.height };
        try {
          return { ...(await ocr(file.bytes, size, undefined, 1, signal)), size };
        } catch (error) {
          // A file tesseract's own decoder refuses (a failed recognition, not a pool or start-up
          // failure, which would only repeat) is read from the decoded canvas instead.
          if (signal?.aborted || !(error instanceof Error && error.message.startsWith("OCR failed"))) throw error;
        }
      }
      const { canvas } = await decode();
      const size = { width: canvas.width, height: canvas.height };
      return { ...(await ocr(toPgm(canvas), size, undefined, 1, signal)), size };
    }

    return {
      pageCount: 1,
      async readPage(pageNumber, signal) {
        checkPageNumber(pageNumber, 1);
        signal?.throwIfAborted();
        // One reading per image: concurrent or repeated reads share it (a failed one is retried).
        reading ??= read(signal).catch((error: unknown) => {
          reading = undefined;
          throw error;
        });
        const result = await reading;
        if (readAngle !== result.angle) preview = undefined;
        readAngle = result.angle;
        const turned = result.angle % 180 === 0 ? result.size : { width: result.size.height, height: result.size.width };
        return toPage(result.blocks, turned, (file.angle + result.angle) % 360, "ocr");
      },
      async previewPage(pageNumber) {
        checkPageNumber(pageNumber, 1);
        preview ??= decode()
          .then(({ canvas }) => rotateCanvas(canvas, readAngle ?? 0).encode("png"))
          .then((png) => new Uint8Array(png));
        return preview;
      },
      async close() {},
    };
  }

  return {
    name: "local",
    pageConcurrency: workers,
    ocrStats: () => pool?.stats() ?? { workers: 0, created: 0, starting: 0, busy: 0, queued: 0 },
    async open(path: string, fileType: EngineFileType, signal?: AbortSignal): Promise<EngineDocument> {
      if (closed) throw new Error("The local engine is closed.");
      signal?.throwIfAborted();
      const document = fileType === "pdf" ? await openPdfDocument(path) : await openImageDocument(path, fileType);
      if (closed) {
        // The engine was closed while this document was opening.
        await document.close();
        throw new Error("The local engine is closed.");
      }
      return track(document);
    },
    async close() {
      closed = true;
      await Promise.all([...documents].map((d) => d.close().catch(() => undefined)));
      await pool?.terminate();
    },
  };
}

function checkPageNumber(pageNumber: number, pageCount: number): void {
  if (!Number.isInteger(pageNumber) || pageNumber < 1 || pageNumber > pageCount) {
    throw new RangeError(`Page ${pageNumber} does not exist: the document has ${pageCount} page(s).`);
  }
}

/**
 * Sets `bold` on text-layer blocks that would be headings if bold. Font names come from the page's
 * operator list, which costs about as much as the text layer itself: fetched only when there is one.
 */
async function markBold(page: PDFPageProxy, blocks: LayoutBlock[]): Promise<LayoutBlock[]> {
  const body = bodySize(blocks);
  if (!blocks.some((b) => isBoldHeadingCandidate(b, body))) return blocks;
  await page.getOperatorList();
  const names = new Map<string, string>();
  const nameOf = (id: string) => {
    if (!names.has(id)) {
      let name = "";
      try {
        name = String((page.commonObjs.get(id) as { name?: unknown } | undefined)?.name ?? "");
      } catch {
        // A font pdf.js did not load (the page paints none of its glyphs): not bold.
      }
      names.set(id, name);
    }
    return names.get(id)!;
  };
  return blocks.map((b) => (b.font && isBoldHeadingCandidate(b, body) ? { ...b, bold: isBoldFontName(nameOf(b.font)) } : b));
}

function clampBox(bbox: LayoutBlock["bbox"], width: number, height: number): LayoutBlock["bbox"] {
  const x0 = Math.min(width, Math.max(0, bbox[0]));
  const y0 = Math.min(height, Math.max(0, bbox[1]));
  return [x0, y0, Math.min(width, Math.max(x0, bbox[2])), Math.min(height, Math.max(y0, bbox[3]))];
}
