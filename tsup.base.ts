import { readFileSync } from "node:fs";
import { defineConfig, type Options } from "tsup";

/**
 * The build every package shares: ESM + CJS + .d.ts for Node 20, with the package's version
 * injected as `__SOTAOCR_VERSION__`. `packageUrl` is the package's `import.meta.url`.
 */
export function packageBuild(packageUrl: string, entry: string[] = ["src/index.ts"], options: Options = {}) {
  const { version } = JSON.parse(readFileSync(new URL("./package.json", packageUrl), "utf8")) as { version: string };
  return defineConfig({
    entry,
    format: ["esm", "cjs"],
    dts: true,
    clean: true,
    sourcemap: true,
    target: "node20",
    define: { __SOTAOCR_VERSION__: JSON.stringify(version) },
    ...options,
  });
}
