import { startEmulator } from "@sotaocr/emulator";
import { makePdf } from "@sotaocr/test-support";
import { expect, it } from "vitest";
import { SotaOcrClient } from "../src/index.js";

// ocrMany given more concurrency than the key's active-job limit: it learns the limit from the
// uploads the server refuses (429 too_many_active_jobs) and keeps to it, instead of holding twice
// as many files in flight that retry their uploads every second.
it("ocrMany at concurrency 16 against an active-job limit of 8: few uploads refused, every file done", async () => {
  const emulator = await startEmulator({ engine: "synthetic", synthetic: { msPerPage: 150 }, jobConcurrency: 64, maxActiveJobsPerKey: 8 });
  try {
    const client = new SotaOcrClient({ baseUrl: emulator.url, apiKey: emulator.apiKey });
    const files = Array.from({ length: 64 }, (_, i) =>
      makePdf(Array.from({ length: 1 + (i % 4) }, (_, page) => `file ${i} page ${page + 1}`)),
    );
    let done = 0;
    for await (const item of client.ocrMany(files, { concurrency: 16 })) {
      expect(item.error).toBeUndefined();
      done++;
    }
    expect(done).toBe(64);
    const refused = emulator.log.uploads().filter((entry) => entry.status === 429).length;
    expect(emulator.peakActiveJobs()).toBe(8);
    // Without learning, 8 files wait on refused uploads at any time: 46 refusals here before; 15 with it.
    expect(refused).toBeLessThanOrEqual(25);
  } finally {
    await emulator.close();
  }
}, 60_000);
