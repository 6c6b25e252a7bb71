/**
 * Runs an emulator in its own process (from source, with tsx), so a test can measure the server's
 * memory apart from its own. Options come as JSON in argv[2]. Over IPC it sends `{ url, port,
 * dataDir }` once listening, answers "usage" with its memory, and closes on "close".
 */
import { startEmulator } from "../src/index.js";

export interface ProcessUsage {
  /** Resident set size now, in bytes. */
  rss: number;
  /** Peak resident set size since the process started, in bytes. */
  maxRss: number;
}

const send = (message: unknown) => process.send?.(message);

const emulator = await startEmulator(JSON.parse(process.argv[2] ?? "{}"));
send({ url: emulator.url, port: emulator.port, dataDir: emulator.dataDir });

process.on("message", async (message) => {
  if (message === "usage") {
    const usage: ProcessUsage = { rss: process.memoryUsage().rss, maxRss: process.resourceUsage().maxRSS * 1024 };
    send({ usage });
  } else if (message === "close") {
    await emulator.close();
    process.disconnect();
  }
});
