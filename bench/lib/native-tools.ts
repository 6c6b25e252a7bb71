import { execFileSync, spawnSync } from "node:child_process";
import { repoPath } from "./paths.js";

/** The command-line tools the benchmarks compare with, by benchmark. */
const NEEDS: Record<string, string[]> = {
  "upload-memory": ["curl"],
  // `identify` stands for ImageMagick (the corpus's degraded scans); `convert` alone may be a stand-in.
  // rsvg-convert sets the corpus's receipts as PDFs.
  "local-engine": ["tesseract", "pdftotext", "pdftoppm", "pdfseparate", "identify", "rsvg-convert"],
  "queue-workers": ["redis-server"],
};

const installed = (tool: string) => spawnSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" }).status === 0;

/** Installs (bench/setup.sh, from Debian) the tools the chosen benchmarks need and the machine lacks. */
export function ensureNativeTools(benchmarks: readonly string[]): void {
  const missing = [...new Set(benchmarks.flatMap((name) => NEEDS[name] ?? []))].filter((tool) => !installed(tool));
  if (missing.length === 0) return;
  console.log(`Missing ${missing.join(", ")}: running bench/setup.sh`);
  try {
    execFileSync("bash", [repoPath("bench/setup.sh")], { stdio: "inherit" });
  } catch (cause) {
    throw new Error(
      `bench/setup.sh failed; install ${missing.join(", ")} (Debian: tesseract-ocr poppler-utils imagemagick librsvg2-bin curl redis-server) and run again.`,
      {
        cause,
      },
    );
  }
}
