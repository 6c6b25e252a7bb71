import { SotaOcrClient } from "@sotaocr/core";
import { startEmulator } from "@sotaocr/emulator";
import { SotaOcrLoader } from "@sotaocr/langchain";
import { makePdf } from "@sotaocr/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/** Counts of the active resources that keep a process alive, by kind (sockets, servers, timers). */
function liveResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) {
    if (/TCP|UDP|Timeout|Immediate/.test(kind)) counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts;
}

describe("stopping a load early, under faults", () => {
  const unhandled: unknown[] = [];
  const collect = (reason: unknown) => unhandled.push(reason);

  beforeAll(() => {
    process.on("unhandledRejection", collect);
  });
  afterAll(() => {
    process.off("unhandledRejection", collect);
  });

  it("stops polling the abandoned jobs, rejects nothing unhandled, and leaves no socket or timer behind", async () => {
    const before = liveResources();
    const emulator = await startEmulator({
      engine: "synthetic",
      synthetic: { msPerPage: 400 },
      jobConcurrency: 8,
      faults: { seed: 7, serverError: 0.15, rateLimit: 0.15, retryAfter: "both", routes: ["job", "result"] },
    });
    const client = new SotaOcrClient({ baseUrl: emulator.url, apiKey: emulator.apiKey, maxRetries: 8 });
    // The first file is quick; the others take 2 s on the server: most are still running when the first arrives.
    const inputs = [makePdf(["first"]), ...Array.from({ length: 9 }, (_, i) => makePdf(["a", "b", "c", "d", `file ${i}`]))].map(
      (input, i) => ({ input, name: `file-${i}.pdf` }),
    );
    const loader = new SotaOcrLoader(inputs, { client, concurrency: 5 });
    const seen: string[] = [];
    let stoppedAt = 0;
    for await (const document of loader.lazyLoad()) {
      seen.push(document.metadata.source);
      stoppedAt = performance.now();
      break;
    }
    expect(seen).toHaveLength(1);
    // Other files were in flight: uploaded, their results not yet fetched.
    const fetched = new Set(
      emulator.log.entries.filter((entry) => entry.route === "result" && entry.status === 200).map((entry) => entry.jobId),
    );
    const abandoned = new Set(
      emulator.log
        .uploads()
        .map((entry) => entry.jobId)
        .filter((id) => id !== undefined && !fetched.has(id)),
    );
    expect(abandoned.size).toBeGreaterThanOrEqual(2);

    // Wait past when every abandoned job would have been polled again (2 s of work, 1 s polls). A
    // request already on its way when the loop stopped may be logged a little later (the emulator
    // shares this event loop); one sent after the stop would repeat every second: look for those.
    const quietUntil = stoppedAt + 3500;
    while (performance.now() < quietUntil) await new Promise((resolve) => setTimeout(resolve, 100));
    const late = emulator.log.entries.filter((entry) => entry.time > stoppedAt + 1000);
    expect(late.map((entry) => `${entry.method} ${entry.path}`)).toEqual([]);

    await emulator.close();
    // The client's connections close once the server's do; wait for that, bounded.
    const deadline = performance.now() + 3000;
    const settled = () => Object.entries(liveResources()).every(([kind, count]) => count <= (before[kind] ?? 0));
    while (!settled() && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    const grown = Object.entries(liveResources()).filter(([kind, count]) => count > (before[kind] ?? 0));
    expect(grown).toEqual([]);
    expect(unhandled).toEqual([]);
  }, 20_000);
});
