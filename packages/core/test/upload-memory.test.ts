import { execFile } from "node:child_process";
import { mkdtemp, open, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { job, type ScriptedServer, startScriptedServer } from "@sotaocr/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const GIB = 1024 ** 3;
let server: ScriptedServer;
let dir: string;

beforeAll(async () => {
  server = await startScriptedServer();
  server.on("POST /v1/extract", job("job_big", "pending"));
  dir = await mkdtemp(join(tmpdir(), "sotaocr-big-"));
  // A sparse 1 GiB file that sniffs as a complete PDF: no disk space, real bytes to stream.
  const file = await open(join(dir, "big.pdf"), "w");
  await file.write("%PDF-1.7\n", 0);
  await file.write("\n%%EOF\n", GIB - 7);
  await file.close();
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describe("uploading from a path", () => {
  it("streams 1 GiB with flat memory (peak RSS of the uploading process < 150 MB)", async () => {
    // Measured in a child process, so the test runner's own memory does not count.
    const script = join(dir, "upload.mjs");
    const core = pathToFileURL(join(import.meta.dirname, "../dist/index.js")).href;
    await writeFile(
      script,
      `import { SotaOcrClient } from ${JSON.stringify(core)};
       const client = new SotaOcrClient({ apiKey: "sk-test", baseUrl: process.argv[2] });
       const job = await client.extract(process.argv[3]);
       console.log(JSON.stringify({ id: job.id, maxRssBytes: process.resourceUsage().maxRSS * 1024 }));`,
    );
    const { stdout } = await promisify(execFile)(process.execPath, [script, server.url, join(dir, "big.pdf")], { timeout: 120_000 });
    const { id, maxRssBytes } = JSON.parse(stdout) as { id: string; maxRssBytes: number };
    expect(id).toBe("job_big");
    expect(server.requestsTo("POST /v1/extract").at(-1)?.bodyBytes).toBeGreaterThan(GIB);
    expect(maxRssBytes).toBeLessThan(150 * 1024 * 1024);
  }, 150_000);
});
