/**
 * Which of tesseract's English models the local engine reads with. Both are LSTM-only and integer:
 * "fast" (tessdata_fast, shipped in this package's models/ folder) is the smaller network, the one
 * native tesseract reads with on most systems; "best" (tessdata_best quantised, from
 * `@tesseract.js-data/eng`) is a little more accurate on some clean print and takes about 1.4× the
 * time a page (docs/benchmarks.md §5, "The fast model").
 */
export type OcrModel = "fast" | "best";

export const OCR_MODELS: readonly OcrModel[] = ["fast", "best"];
const DEFAULT_OCR_MODEL: OcrModel = "fast";

/** `value`, or the default when undefined; anything else is a TypeError naming `option`. */
export function checkOcrModel(value: unknown, option: string): OcrModel {
  if (value === undefined) return DEFAULT_OCR_MODEL;
  if (!OCR_MODELS.includes(value as OcrModel)) {
    throw new TypeError(`${option} must be one of ${OCR_MODELS.join(", ")}, not ${JSON.stringify(value)}.`);
  }
  return value as OcrModel;
}
