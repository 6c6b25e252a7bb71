import { readFileSync } from "node:fs";
import { defineConfig, type Options } from "tsup";

export interface PackageBuildOptions extends Options {
  /**
   * Entries that are executables (`bin` in package.json): built as ESM only, without `.d.ts`.
   * `node` loads a bin as ESM (the packages are `"type": "module"`), so a CJS copy would never be
   * loaded and only weigh on the tarball. They share chunks with the library's ESM entries.
   */
  bin?: string[];
}

/**
 * The build every package shares: ESM + CJS + .d.ts for Node 20, with the package's version
 * injected as `__SOTAOCR_VERSION__`. `packageUrl` is the package's `import.meta.url`; `entry` are
 * the library entries (ESM + CJS + .d.ts), `options.bin` the executables (ESM only).
 *
 * One config, so one .d.ts pass and tsup's `clean` stay as they were; tsup has no per-format
 * entries, so the CJS build's esbuild options drop the bins.
 */
export function packageBuild(packageUrl: string, entry: string[] = ["src/index.ts"], options: PackageBuildOptions = {}) {
  const { bin = [], esbuildOptions, ...tsupOptions } = options;
  const { version } = JSON.parse(readFileSync(new URL("./package.json", packageUrl), "utf8")) as { version: string };
  return defineConfig({
    entry: [...entry, ...bin],
    format: ["esm", "cjs"],
    dts: { entry },
    clean: true,
    sourcemap: true,
    target: "node20",
    define: { __SOTAOCR_VERSION__: JSON.stringify(version) },
    esbuildOptions(esbuild, context) {
      if (context.format === "cjs") esbuild.entryPoints = entry;
      esbuildOptions?.(esbuild, context);
    },
    ...tsupOptions,
  });
}
