import { UsageError } from "../fail.js";
import type { Printer } from "../printer.js";

export interface EmulatorCommandOptions {
  port: string;
  host: string;
  engine: "local" | "synthetic";
  apiKey?: string;
}

/** `sotaocr emulator`: runs the local SotaOCR emulator (package @sotaocr/emulator) until Ctrl-C. */
export async function emulator(options: EmulatorCommandOptions, printer: Printer): Promise<number> {
  const port = Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number, not "${options.port}".`);
  let startEmulator: typeof import("@sotaocr/emulator").startEmulator;
  try {
    ({ startEmulator } = await import("@sotaocr/emulator"));
  } catch (cause) {
    throw new Error("The emulator is a separate package: install it with `npm install -g @sotaocr/emulator` (or add it to your project).", {
      cause,
    });
  }
  const server = await startEmulator({
    port,
    host: options.host,
    engine: options.engine,
    apiKeys: options.apiKey ? [options.apiKey] : undefined,
    log: (line) => printer.err(`${line}\n`),
  });
  printer.err(`SotaOCR emulator on ${server.url} (engine: ${options.engine}). Point clients at it:\n`);
  printer.err(`  export SOTAOCR_BASE_URL=${server.url}${options.apiKey ? "" : ` SOTAOCR_API_KEY=${server.apiKey}`}\n`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await server.close();
  return 0;
}
