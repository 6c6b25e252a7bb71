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
import type { OcrModel } from "./ocr-model.js";

const require = createRequire(import.meta.url);

const OWN_PACKAGE = "@sotaocr/emulator";
/** Where each English model is: a package, and the folder in it. */
const MODEL_HOMES: Record<OcrModel, { package: string; folder: string }> = {
  fast: { package: OWN_PACKAGE, folder: "models" },
  best: { package: "@tesseract.js-data/eng", folder: "4.0.0_best_int" },
};
export const TESSDATA_FILE = "eng.traineddata.gz";

function packageDir(name: string): string {
  try {
    // Our own folder too (models/): a package may resolve itself by name through its "exports".
    return dirname(require.resolve(`${name}/package.json`));
  } catch (error) {
    if (name === OWN_PACKAGE) {
      throw new Error(`The local OCR engine could not find its own package folder (for models/). Reinstall ${OWN_PACKAGE}.`, {
        cause: error,
      });
    }
    throw new Error(`The local OCR engine needs the "${name}" package, which could not be found. Reinstall @sotaocr/emulator.`, {
      cause: error,
    });
  }
}

/**
 * The folder holding the model's `eng.traineddata.gz`, for tesseract.js's `langPath`.
 * Throws a clear error when the file is missing, instead of letting tesseract.js hang.
 */
export function tesseractLangPath(model: OcrModel): string {
  const home = MODEL_HOMES[model];
  const folder = join(packageDir(home.package), home.folder);
  const file = join(folder, TESSDATA_FILE);
  if (!existsSync(file)) {
    throw new Error(`The English OCR model "${model}" is missing: ${file} does not exist. Reinstall ${home.package}.`);
  }
  return folder;
}

/** tesseract's orientation and script detection model (Apache-2.0, from tesseract-ocr/tessdata). */
const OSD_PACKAGE = "@tesseract.js-data/osd";
/** The folder the osd package keeps it in (its name is the package's, whichever English model is used). */
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
