#!/usr/bin/env node
import { Printer } from "./printer.js";
import { main } from "./program.js";
import { secretsOf } from "./redact.js";

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // main answers every error itself; this is the last guard, and it hides the key too.
    new Printer(secretsOf(process.argv)).err(`sotaocr: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
