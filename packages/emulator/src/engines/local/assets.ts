/**
 * Locates the data files the local engine reads from disk (never from the network): tesseract's
 * English model and pdf.js's fonts, CMaps, ICC profiles and wasm decoders. Resolution goes through
 * Node's module resolution from this file, so it works from `src` (vitest, tsx) and from the
 * bundled `dist` (ESM and CJS; tsup's shims provide `import.meta.url` in CJS).
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { gunzipSync } from "node:zlib";

const require = createRequire(import.meta.url);

/**
 * tesseract's English models, both LSTM-only and integer ("fast" is the smaller network: Debian's and
 * most distributions' default, about 1.4× quicker a page; "best" is tessdata_best quantised, the one
 * tesseract.js defaults to). See models/README.md for where the fast model comes from.
 */
export type OcrModel = "fast" | "best";
export const OCR_MODELS: readonly OcrModel[] = ["fast", "best"];
const BEST_PACKAGE = "@tesseract.js-data/eng";
const BEST_FOLDER = "4.0.0_best_int";
export const TESSDATA_FILE = "eng.traineddata.gz";

function packageDir(name: string): string {
  try {
    return dirname(require.resolve(`${name}/package.json`));
  } catch (error) {
    throw new Error(`The local OCR engine needs the "${name}" package, which could not be found. Reinstall @sotaocr/emulator.`, {
      cause: error,
    });
  }
}

/**
 * The folder holding the model's `eng.traineddata.gz`, for tesseract.js's `langPath`.
 * Throws a clear error when the file is missing, instead of letting tesseract.js hang.
 */
export function tesseractLangPath(model: OcrModel = "fast"): string {
  const folder = model === "fast" ? join(packageDir("@sotaocr/emulator"), "models") : join(packageDir(BEST_PACKAGE), BEST_FOLDER);
  const file = join(folder, TESSDATA_FILE);
  if (!existsSync(file)) {
    const owner = model === "fast" ? "@sotaocr/emulator" : BEST_PACKAGE;
    throw new Error(`The English OCR model "${model}" is missing: ${file} does not exist. Reinstall ${owner}.`);
  }
  return folder;
}

/** tesseract's orientation and script detection model (Apache-2.0, from tesseract-ocr/tessdata). */
const OSD_PACKAGE = "@tesseract.js-data/osd";
/** The package keeps it in the folder named like the model beside it. */
const OSD_FOLDER = "4.0.0_best_int";

/** `osd.traineddata`, unpacked, for tesseract's orientation detection (read once). */
let osd: Uint8Array | undefined;
export function osdModel(): Uint8Array {
  if (!osd) {
    const file = join(packageDir(OSD_PACKAGE), OSD_FOLDER, "osd.traineddata.gz");
    if (!existsSync(file)) throw new Error(`The orientation model is missing: ${file} does not exist. Reinstall ${OSD_PACKAGE}.`);
    osd = new Uint8Array(gunzipSync(readFileSync(file)));
  }
  return osd;
}

/** Folders (with a trailing slash, as pdf.js expects) of pdf.js's bundled data. */
export interface PdfjsAssets {
  /** The ESM build for Node ("legacy" = no newest-browser features needed). */
  modulePath: string;
  standardFontDataUrl: string;
  cMapUrl: string;
  iccUrl: string;
  wasmUrl: string;
}

export function pdfjsAssets(): PdfjsAssets {
  const root = packageDir("pdfjs-dist");
  const folder = (name: string) => `${join(root, name)}/`;
  return {
    modulePath: join(root, "legacy", "build", "pdf.mjs"),
    standardFontDataUrl: folder("standard_fonts"),
    cMapUrl: folder("cmaps"),
    iccUrl: folder("iccs"),
    wasmUrl: folder("wasm"),
  };
}
