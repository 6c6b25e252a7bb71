import { packageBuild } from "../../tsup.base.js";

// Two entry points: the client (`@sotaocr/core`) and what the integrations share on top of it
// (`@sotaocr/core/documents`). Splitting (for CJS too) keeps one copy of the client and its error
// classes in both, so `instanceof SotaOcrError` holds whichever entry threw.
export default packageBuild(import.meta.url, ["src/index.ts", "src/documents/index.ts"], { splitting: true });
