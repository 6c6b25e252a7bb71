import type { Engine } from "../engine.js";
import type { ResolvedOptions } from "../options.js";
import { createSyntheticEngine } from "./synthetic.js";

/** The engine an emulator uses, and whether it created it (then `close()` stops it). */
export async function loadEngine(
  options: Pick<ResolvedOptions, "engine" | "synthetic" | "local">,
): Promise<{ engine: Engine; owned: boolean }> {
  const choice = options.engine;
  if (typeof choice === "object") return { engine: choice, owned: false };
  if (choice === "synthetic") return { engine: createSyntheticEngine(options.synthetic), owned: true };
  // Imported on demand: pdf.js, tesseract.js and the canvas load only when the local engine is used.
  let local: typeof import("./local/index.js");
  try {
    local = await import("./local/index.js");
  } catch (cause) {
    throw new Error(
      `The local OCR engine could not be loaded (${(cause as Error).message}). Use engine: "synthetic" (--engine synthetic) for deterministic text without OCR.`,
      { cause },
    );
  }
  return { engine: local.createLocalEngine(options.local), owned: true };
}
