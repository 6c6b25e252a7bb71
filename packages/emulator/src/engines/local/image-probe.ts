/**
 * Decodes an image once in a throw-away child process before the engine decodes it in-process.
 *
 * `@napi-rs/canvas` 0.1.100 crashes the whole process (SIGSEGV) on some corrupt PNG/JPEG files (a
 * damaged header, corrupt JPEG scan data), which would take the emulator down with one bad upload.
 * The decoder is deterministic, so a file that decodes in the child decodes in the parent too.
 * Costs one Node start-up and one extra decode (~0.4–0.8 CPU-s) per image decoded in-process (previews,
 * files tesseract refuses); files tesseract reads as they are skip it (docs/benchmarks.md §5).
 */
import { execFile } from "node:child_process";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/** Run with `node -e`: argv = [canvas module path, image path]. Exit 0 and prints the size, 2 on a decode error. */
const PROBE = `
const [canvasPath, file] = process.argv.slice(1);
const { loadImage, createCanvas } = require(canvasPath);
loadImage(require("node:fs").readFileSync(file)).then(
  (img) => {
    const canvas = createCanvas(64, 64);
    canvas.getContext("2d").drawImage(img, 0, 0, 64, 64);
    process.stdout.write(JSON.stringify({ width: img.width, height: img.height }));
  },
  (error) => {
    process.stdout.write(JSON.stringify({ error: String((error && error.message) || error) }));
    process.exitCode = 2;
  },
);`;

/** Why the image at `path` cannot be decoded, or undefined when it decodes safely. */
export function probeImage(path: string, timeoutMs = 30_000): Promise<string | undefined> {
  const canvasPath = require.resolve("@napi-rs/canvas");
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["-e", PROBE, canvasPath, path],
      // No inherited loaders or flags (vitest, tsx): the probe is plain CommonJS.
      { timeout: timeoutMs, maxBuffer: 1 << 16, windowsHide: true, env: { ...process.env, NODE_OPTIONS: "" } },
      (error, stdout) => {
        if (!error) return resolve(undefined);
        let reported: string | undefined;
        try {
          reported = (JSON.parse(stdout) as { error?: string }).error;
        } catch {}
        if (reported) return resolve(reported);
        if (error.killed) return resolve(`decoding took longer than ${timeoutMs} ms`);
        resolve(error.signal ? `the image decoder crashed on it (${error.signal})` : "the image decoder failed on it");
      },
    );
  });
}
