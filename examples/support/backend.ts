import { type Emulator, startEmulator } from "@sotaocr/emulator";

/**
 * The examples use SotaOCR when SOTAOCR_API_KEY is set. Without it they start the local emulator
 * (offline OCR, no account needed) and point SOTAOCR_BASE_URL and SOTAOCR_API_KEY at it.
 * Returns what to close at the end.
 */
export async function useEmulatorUnlessKeySet(): Promise<{ close: () => Promise<void> }> {
  if (process.env.SOTAOCR_API_KEY) return { close: async () => {} };
  const emulator: Emulator = await startEmulator();
  process.env.SOTAOCR_BASE_URL = emulator.url;
  process.env.SOTAOCR_API_KEY = emulator.apiKey;
  console.log(`(no SOTAOCR_API_KEY: using the local emulator at ${emulator.url})`);
  return emulator;
}

/** The sample documents shipped with the repository. */
export const sample = (name: string) => new URL(`../data/${name}`, import.meta.url).pathname;
