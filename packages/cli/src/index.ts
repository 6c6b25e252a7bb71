export { buildProgram, main } from "./program.js";
export { createReporter, type ProgressReporter } from "./progress.js";
