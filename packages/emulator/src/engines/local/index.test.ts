/**
 * The local engine end to end (no HTTP): accuracy on the committed samples and the tesseract.js
 * corpus, orientation, bboxes, the worker pool, input errors and shutdown.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadImage } from "@napi-rs/canvas";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EngineDocument, type EngineFileType, EngineInputError, type EnginePage } from "../../engine.js";
import { characterErrorRate, collapseWhitespace } from "./cer.js";
import { decodeImage } from "./image.js";
import { createLocalEngine, type LocalEngine } from "./index.js";
import { rotateCanvas } from "./orientation.js";
import { addScanPage, newSamplePdf, renderScan } from "./sample-render.js";
import { encryptedPdf } from "./test-fixtures.js";

const ROOT = fileURLToPath(new URL("../../../../../", import.meta.url));
const DATA = join(ROOT, "examples", "data");
const CORPUS = new URL("../../../../../test/fixtures/tesseract-js-tests", import.meta.url).pathname;
const truth = JSON.parse(readFileSync(join(DATA, "ground-truth.json"), "utf8")) as Record<string, string[]>;
const expected = JSON.parse(readFileSync(join(CORPUS, "expected.json"), "utf8")) as Record<string, string>;
const tmp = mkdtempSync(join(tmpdir(), "local-engine-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const typeOf = (file: string): EngineFileType => (file.endsWith(".pdf") ? "pdf" : file.endsWith(".png") ? "png" : "jpeg");

async function readAll(engine: LocalEngine, path: string): Promise<{ doc: EngineDocument; pages: EnginePage[] }> {
  const doc = await engine.open(path, typeOf(path));
  const pages = await Promise.all(Array.from({ length: doc.pageCount }, (_, i) => doc.readPage(i + 1)));
  return { doc, pages };
}

function expectBoxesInside(page: EnginePage): void {
  expect(page.blocks.length).toBeGreaterThan(0);
  for (const { bbox, score } of page.blocks) {
    const [x0, y0, x1, y1] = bbox;
    expect(0 <= x0 && x0 < x1 && x1 <= page.width, `x of ${bbox}`).toBe(true);
    expect(0 <= y0 && y0 < y1 && y1 <= page.height, `y of ${bbox}`).toBe(true);
    expect(score).toBeGreaterThan(0);
    expect(score).toBeLessThanOrEqual(1);
  }
}

async function expectPreviewMatches(doc: EngineDocument, pageNumber: number, page: EnginePage): Promise<void> {
  const png = await doc.previewPage(pageNumber);
  expect([...png.subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
  const image = await loadImage(Buffer.from(png));
  expect([image.width, image.height]).toEqual([page.width, page.height]);
}

describe("text-layer pages", () => {
  const engine = createLocalEngine({ workers: 2 });
  afterAll(() => engine.close());

  it("reads report.pdf exactly, with Markdown headings, without starting OCR", async () => {
    const { doc, pages } = await readAll(engine, join(DATA, "report.pdf"));
    expect(pages).toHaveLength(3);
    pages.forEach((page, i) => {
      const reference = truth["report.pdf"]![i]!;
      const heading = reference.split("\n")[0]!;
      expect(page.method).toBe("text_layer");
      expect(collapseWhitespace(page.text)).toBe(collapseWhitespace(reference));
      expect(page.markdown.startsWith(`# ${heading}\n\n`)).toBe(true);
      expect(page.markdown.match(/^#/gm)).toHaveLength(1);
      expect(page.blocks[0]).toMatchObject({ type: "doc_title", text: heading, score: 1 });
      expect(page.blocks.slice(1).map((b) => b.type)).toEqual(["text", "text", "text"]);
      expect([page.width, page.height, page.angle]).toEqual([1224, 1584, 0]);
      expectBoxesInside(page);
    });
    await expectPreviewMatches(doc, 2, pages[1]!);
    expect(engine.ocrStats()).toMatchObject({ workers: 0, created: 0 });
    await doc.close();
  });

  it("puts each block's box on its text in the preview", async () => {
    const { doc, pages } = await readAll(engine, join(DATA, "report.pdf"));
    const preview = await loadImage(Buffer.from(await doc.previewPage(1)));
    const { createCanvas } = await import("@napi-rs/canvas");
    const canvas = createCanvas(preview.width, preview.height);
    const ctx = canvas.getContext("2d");
    ctx.drawImage(preview, 0, 0);
    const darkShare = (x0: number, y0: number, x1: number, y1: number) => {
      const { data } = ctx.getImageData(x0, y0, Math.max(1, x1 - x0), Math.max(1, y1 - y0));
      let dark = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i]! < 128) dark++;
      return dark / (data.length / 4);
    };
    for (const block of pages[0]!.blocks) {
      const [x0, y0, x1, y1] = block.bbox.map(Math.round) as [number, number, number, number];
      expect(darkShare(x0, y0, x1, y1), block.text.slice(0, 20)).toBeGreaterThan(0.05);
      // Just above the block there is only paper.
      expect(darkShare(x0, y0 - 6, x1, y0 - 2)).toBe(0);
    }
    await doc.close();
  });
});

describe("OCR pages", () => {
  let engine: LocalEngine;
  beforeAll(() => {
    engine = createLocalEngine({ workers: 2 });
  });
  afterAll(() => engine.close());

  it("reads the scanned report with a character error rate of at most 2 %", async () => {
    const { doc, pages } = await readAll(engine, join(DATA, "report-scanned.pdf"));
    pages.forEach((page, i) => {
      const reference = truth["report-scanned.pdf"]![i]!;
      expect(page.method).toBe("ocr");
      expect(characterErrorRate(page.text, reference), `page ${i + 1}`).toBeLessThanOrEqual(0.02);
      // The heading is found from the size of its letters.
      expect(page.markdown.split("\n")[0]).toBe(`# ${reference.split("\n")[0]}`);
      expect([page.width, page.height, page.angle]).toEqual([1224, 1584, 0]);
      expectBoxesInside(page);
    });
    await expectPreviewMatches(doc, 3, pages[2]!);
    await doc.close();
    // Starts both OCR workers (with the orientation model) and reads 3 pages: ~10 s alone, more when the suite shares 2 cores.
  }, 120_000);

  it("reads mixed.pdf: text layer on pages 1 and 3, OCR on pages 2 and 4", async () => {
    const { doc, pages } = await readAll(engine, join(DATA, "mixed.pdf"));
    expect(pages.map((p) => p.method)).toEqual(["text_layer", "ocr", "text_layer", "ocr"]);
    pages.forEach((page, i) => {
      const reference = truth["mixed.pdf"]![i]!;
      const limit = page.method === "text_layer" ? 0 : 0.02;
      expect(characterErrorRate(page.text, reference), `page ${i + 1}`).toBeLessThanOrEqual(limit);
      expectBoxesInside(page);
    });
    await doc.close();
  });

  it.each(["page.png", "page.jpg"])("reads the scan %s", async (file) => {
    const { doc, pages } = await readAll(engine, join(DATA, file));
    const [page] = pages;
    expect(doc.pageCount).toBe(1);
    expect(page!.method).toBe("ocr");
    expect(characterErrorRate(page!.text, truth[file]![0]!)).toBeLessThanOrEqual(0.02);
    expectBoxesInside(page!);
    await expectPreviewMatches(doc, 1, page!);
    await doc.close();
  });

  it.each(["testocr.png", "simple.png", "cosmic.png"])("reads the corpus image %s within 5 %", async (file) => {
    const { doc, pages } = await readAll(engine, join(CORPUS, file));
    expect(characterErrorRate(pages[0]!.text, expected[file]!)).toBeLessThanOrEqual(0.05);
    expect(pages[0]!.angle).toBe(0);
    await doc.close();
  });

  it.each([
    ["simple-90.jpg", 90],
    ["simple-180.jpg", 180],
    ["simple-270.jpg", 270],
  ])("reads the EXIF-rotated %s like simple.jpg, reporting angle %i", async (file, angle) => {
    const { doc, pages } = await readAll(engine, join(CORPUS, file));
    const page = pages[0]!;
    expect(collapseWhitespace(page.text)).toBe("Tesseract.js");
    expect(page.angle).toBe(angle);
    // Preview and boxes are upright, like simple.jpg (320×180).
    expect([page.width, page.height]).toEqual([320, 180]);
    expectBoxesInside(page);
    await expectPreviewMatches(doc, 1, page);
    await doc.close();
  });

  it("finds the orientation of a page turned without EXIF", async () => {
    // cosmic.png stored turned 90° counter-clockwise: reading it needs a 90° clockwise turn.
    const { canvas } = await decodeImage(join(CORPUS, "cosmic.png"), "png");
    const path = join(tmp, "cosmic-sideways.png");
    writeFileSync(path, rotateCanvas(canvas, 270).toBuffer("image/png"));
    const { doc, pages } = await readAll(engine, path);
    expect(pages[0]!.angle).toBe(90);
    expect(characterErrorRate(pages[0]!.text, expected["cosmic.png"]!)).toBeLessThanOrEqual(0.05);
    expect([pages[0]!.width, pages[0]!.height]).toEqual([400, 400]);
    await expectPreviewMatches(doc, 1, pages[0]!);
    await doc.close();
  });

  it("OCRs a scan with a short text stamp, but reads a short text-only page from its text layer", async () => {
    const pdf = await newSamplePdf("stamped");
    const size = [400, 260] as const;
    const scan = renderScan(
      { heading: "Delivery Note", paragraphs: ["Twelve boxes of printer paper arrived today."] },
      { dpi: 150, sizePt: size },
    );
    addScanPage(pdf, scan, size);
    // 35 characters: enough to count as a text layer, were it not for the scan under it.
    const stamp = "RECEIVED 12 MARCH 2024 AT THE FRONT DESK";
    pdf.getPage(0).drawText(stamp, { x: 20, y: 20, size: 9 });
    const note = "Short note: the meeting moved to Friday.";
    pdf.addPage([400, 260]).drawText(note, { x: 20, y: 200, size: 12 });
    const path = join(tmp, "stamped.pdf");
    writeFileSync(path, await pdf.save());
    const { doc, pages } = await readAll(engine, path);
    expect(pages.map((p) => p.method)).toEqual(["ocr", "text_layer"]);
    expect(characterErrorRate(pages[0]!.text, `Delivery Note Twelve boxes of printer paper arrived today. ${stamp}`)).toBeLessThanOrEqual(
      0.05,
    );
    expect(pages[1]!.text).toBe(note);
    await doc.close();
  });

  it("finds the orientation of a sideways scan in a PDF; preview and boxes follow it", async () => {
    const pdf = await newSamplePdf("sideways");
    const size = [360, 200] as const;
    const upright = renderScan(
      { heading: "Sideways Scan", paragraphs: ["This page was fed into the scanner the wrong way."] },
      { dpi: 150, sizePt: size },
    );
    // Stored turned 90° clockwise, on a portrait page: reading it needs a 270° clockwise turn.
    addScanPage(pdf, rotateCanvas(upright, 90), [size[1], size[0]]);
    const path = join(tmp, "sideways.pdf");
    writeFileSync(path, await pdf.save());
    const { doc, pages } = await readAll(engine, path);
    const page = pages[0]!;
    expect(page.angle).toBe(270);
    expect(characterErrorRate(page.text, "Sideways Scan This page was fed into the scanner the wrong way.")).toBeLessThanOrEqual(0.05);
    // Landscape, like the upright page: 2 preview pixels per point.
    expect([page.width, page.height]).toEqual([720, 400]);
    expectBoxesInside(page);
    await expectPreviewMatches(doc, 1, page);
    await doc.close();
  });

  it("ran every page on one pool of two workers, started once", () => {
    expect(engine.pageConcurrency).toBe(2);
    expect(engine.ocrStats()).toMatchObject({ workers: 2, created: 2, busy: 0, queued: 0 });
  });
});

describe("input errors", () => {
  const engine = createLocalEngine({ workers: 1 });
  afterAll(() => engine.close());

  const write = (name: string, bytes: Uint8Array) => {
    const path = join(tmp, name);
    writeFileSync(path, bytes);
    return path;
  };

  it.each([
    ["truncated.pdf", "pdf", () => readFileSync(join(DATA, "report.pdf")).subarray(0, 1500), "invalid_pdf"],
    ["words.pdf", "pdf", () => Buffer.from("not a PDF"), "invalid_pdf"],
    ["encrypted.pdf", "pdf", () => encryptedPdf(), "encrypted_pdf"],
    ["truncated.png", "png", () => readFileSync(join(DATA, "page.png")).subarray(0, 40), "invalid_image"],
    ["pdf-as.jpg", "jpeg", () => readFileSync(join(DATA, "report.pdf")), "invalid_image"],
  ] as const)("rejects %s with %s", async (name, type, bytes, code) => {
    const error = await engine.open(write(name, bytes()), type).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineInputError);
    expect((error as EngineInputError).code).toBe(code);
  });

  it("rejects pages that do not exist, and aborted reads", async () => {
    const doc = await engine.open(join(DATA, "report.pdf"), "pdf");
    await expect(doc.readPage(0)).rejects.toThrow(RangeError);
    await expect(doc.readPage(4)).rejects.toThrow(/does not exist/);
    await expect(doc.previewPage(4)).rejects.toThrow(RangeError);
    await expect(doc.readPage(1, AbortSignal.abort(new Error("stop")))).rejects.toThrow("stop");
    await doc.close();
  });

  it("cannot open documents once closed", async () => {
    const closed = createLocalEngine({ workers: 1 });
    await closed.close();
    await expect(closed.open(join(DATA, "report.pdf"), "pdf")).rejects.toThrow(/closed/);
  });
});

describe("close()", () => {
  it("leaves nothing running: a process that used OCR and closed the engine exits by itself", async () => {
    const script = `
      import { createLocalEngine } from ${JSON.stringify(join(ROOT, "packages/emulator/src/engines/local/index.ts"))};
      const engine = createLocalEngine({ workers: 2 });
      const image = await engine.open(${JSON.stringify(join(CORPUS, "cosmic.png"))}, "png");
      const page = await image.readPage(1);
      const pdf = await engine.open(${JSON.stringify(join(DATA, "mixed.pdf"))}, "pdf");
      await Promise.all([pdf.readPage(1), pdf.readPage(2)]);
      const stats = engine.ocrStats();
      await engine.close(); // also closes both documents
      console.log(JSON.stringify({ text: page.text, ocr: stats.workers > 0 }));
    `;
    // A module file, not \`-e\`: worker threads inherit the parent's flags, and \`--input-type\` breaks them.
    const file = join(tmp, "close-check.mts");
    writeFileSync(file, script);
    const started = Date.now();
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ["--import", "tsx", file],
        { cwd: ROOT, timeout: 45_000, env: { ...process.env, NODE_OPTIONS: "" } },
        (error, out, err) => resolve({ code: error ? (error.code as number | null) : 0, stdout: out, stderr: err }),
      );
    });
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ text: "HellO World\nfrom beyond\nthe Cosmic Void", ocr: true });
    expect(Date.now() - started).toBeLessThan(45_000);
  }, 60_000);
});
