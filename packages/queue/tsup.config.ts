import { packageBuild } from "../../tsup.base.js";

export default packageBuild(import.meta.url, ["src/index.ts"]);
