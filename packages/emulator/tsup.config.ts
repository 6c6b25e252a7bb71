// shims: the local engine finds its data files from import.meta.url, in the CJS build too.
import { packageBuild } from "../../tsup.base.js";

export default packageBuild(import.meta.url, ["src/index.ts", "src/cli.ts"], { shims: true, bin: ["src/bin.ts"] });
