#!/usr/bin/env node
import { main } from "./program.js";

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`sotaocr: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
