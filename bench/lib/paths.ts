import { fileURLToPath, pathToFileURL } from "node:url";

/** The repository's root, whatever the working directory. */
export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** A path under the repository's root. */
export const repoPath = (relative: string): string => fileURLToPath(new URL(relative, new URL("../../", import.meta.url)));

/** A sample document in examples/data. */
export const samplePath = (name: string): string => repoPath(`examples/data/${name}`);

/**
 * The built entry of a workspace package, as a file: URL a child process can import.
 * `BENCH_CORE_DIST` (a path to another build's index.js) measures an older client side by side.
 */
export function distUrl(pkg: "core" | "emulator" | "langchain"): string {
  if (pkg === "core" && process.env.BENCH_CORE_DIST) return pathToFileURL(process.env.BENCH_CORE_DIST).href;
  return new URL(`../../packages/${pkg}/dist/index.js`, import.meta.url).href;
}
