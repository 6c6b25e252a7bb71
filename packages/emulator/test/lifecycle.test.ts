import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { createSyntheticEngine, type Engine, type EngineFileType, EngineInputError, type EnginePage, startEmulator } from "../src/index.js";
import { clientFor, errorCode, makePdf, PNG, raw, rawUpload, startSynthetic } from "./helpers.js";

describe.concurrent("job lifecycle and limits", () => {
  it("deletes finished jobs and their files after jobTtlMs: then 404", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "emulator-ttl-"));
    const emulator = await startSynthetic({ jobTtlMs: 300, dataDir, pollIntervalMs: 0 });
    try {
      const { json } = await rawUpload(emulator, makePdf(1));
      const jobId = json?.id as string;
      expect(await readdir(dataDir)).toEqual([jobId]);
      while ((await raw(emulator, `/v1/jobs/${jobId}`)).json?.status !== "completed") await sleep(20);
      expect((await raw(emulator, `/v1/jobs/${jobId}/result`)).status).toBe(200);
      await sleep(500);
      for (const path of [`/v1/jobs/${jobId}`, `/v1/jobs/${jobId}/result`, `/v1/jobs/${jobId}/pages/1/preview`]) {
        const response = await raw(emulator, path);
        expect([path, response.status, errorCode(response.json)]).toEqual([path, 404, "job_not_found"]);
      }
      expect(await readdir(dataDir)).toEqual([]);
    } finally {
      await emulator.close();
      // A dataDir the caller gave is kept (emptied of jobs).
      expect(existsSync(dataDir)).toBe(true);
      await rm(dataDir, { recursive: true });
    }
  });

  it("processes jobConcurrency jobs at once; the others wait pending", async () => {
    // The synthetic engine, counting documents open at once (one per running job).
    const counting = (): Engine & { maxOpen: number } => {
      const inner = createSyntheticEngine({ msPerPage: 400 });
      let open = 0;
      const engine = {
        name: "counting",
        maxOpen: 0,
        async open(path: string, fileType: EngineFileType) {
          const document = await inner.open(path, fileType);
          open++;
          engine.maxOpen = Math.max(engine.maxOpen, open);
          return { ...document, pageCount: document.pageCount, close: async () => void open-- };
        },
        close: () => inner.close(),
      };
      return engine;
    };
    const check = async (jobConcurrency: number) => {
      const engine = counting();
      const emulator = await startEmulator({ engine, jobConcurrency, pollIntervalMs: 0 });
      try {
        const ids: string[] = [];
        for (let i = 0; i < 3; i++) ids.push((await rawUpload(emulator, makePdf(2))).json?.id as string);
        const status = async (id: string) => (await raw(emulator, `/v1/jobs/${id}`)).json?.status;
        // Once the first jobConcurrency jobs run (each takes 800 ms), the others are still waiting.
        for (const id of ids.slice(0, jobConcurrency)) while ((await status(id)) !== "running") await sleep(10);
        for (const id of ids.slice(jobConcurrency)) expect(await status(id)).toBe("pending");
        await Promise.all(ids.map((id) => clientFor(emulator).waitForJob(id)));
        expect(engine.maxOpen).toBe(jobConcurrency);
      } finally {
        await emulator.close();
      }
    };
    await Promise.all([check(1), check(2)]);
  });

  it("answers 429 to uploads beyond maxActiveJobsPerKey, per key", async () => {
    const emulator = await startSynthetic({ maxActiveJobsPerKey: 2, apiKeys: ["a", "b"], synthetic: { msPerPage: 500 } });
    try {
      expect((await rawUpload(emulator, makePdf(2))).status).toBe(200);
      expect((await rawUpload(emulator, makePdf(2))).status).toBe(200);
      const third = await rawUpload(emulator, makePdf(2));
      expect([third.status, errorCode(third.json), third.headers.get("retry-after")]).toEqual([429, "too_many_active_jobs", "1"]);
      const other = await raw(emulator, "/v1/extract", { key: "b", method: "POST", body: (await asForm(makePdf(1))).body });
      expect(other.status).toBe(200);
      expect([emulator.peakActiveJobs(), emulator.peakActiveJobs(1)]).toEqual([2, 1]);
    } finally {
      await emulator.close();
    }
  });

  it("counts the most jobs a key had active at once, with or without a limit", async () => {
    const emulator = await startSynthetic({ synthetic: { msPerPage: 200 } });
    try {
      expect(emulator.peakActiveJobs()).toBe(0);
      const client = clientFor(emulator);
      const jobs = await Promise.all([1, 2, 3].map((pages) => client.extract(makePdf(pages))));
      expect(emulator.peakActiveJobs()).toBe(3);
      await Promise.all(jobs.map((job) => client.waitForJob(job.id)));
      await client.extract(makePdf(1));
      expect(emulator.peakActiveJobs()).toBe(3);
    } finally {
      await emulator.close();
    }
  });

  it("answers 429 beyond requestsPerSecond for a key", async () => {
    const emulator = await startSynthetic({ requestsPerSecond: 3 });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await raw(emulator, "/api/v1/info")).status);
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
      const limited = await raw(emulator, "/v1/balance");
      expect([limited.status, errorCode(limited.json), limited.headers.get("retry-after")]).toEqual([429, "rate_limited", "1"]);
      await sleep(1050);
      expect((await raw(emulator, "/v1/balance")).status).toBe(200);
    } finally {
      await emulator.close();
    }
  });

  it("close() cancels running and queued jobs, frees the port and deletes its temporary directory", async () => {
    const emulator = await startSynthetic({ jobConcurrency: 1, synthetic: { msPerPage: 10_000 } });
    await rawUpload(emulator, makePdf(5));
    await rawUpload(emulator, makePdf(5));
    expect(emulator.dataDir.startsWith(tmpdir())).toBe(true);
    expect((await readdir(emulator.dataDir)).length).toBe(2);
    const started = performance.now();
    await emulator.close();
    expect(performance.now() - started).toBeLessThan(1000);
    await expect(fetch(`${emulator.url}/api/v1/info`)).rejects.toThrow();
    expect(existsSync(emulator.dataDir)).toBe(false);
    await emulator.close(); // idempotent
  });

  it("uses a caller's Engine: its pageConcurrency, its input errors, and does not close it", async () => {
    let closed = false;
    let reading = 0;
    let maxReading = 0;
    const engine: Engine = {
      name: "test-engine",
      pageConcurrency: 2,
      async open(_path, fileType) {
        if (fileType === "png") throw new EngineInputError("invalid_image", "The PNG cannot be decoded.");
        return {
          pageCount: 5,
          async readPage(pageNumber): Promise<EnginePage> {
            reading++;
            maxReading = Math.max(maxReading, reading);
            await sleep(40);
            reading--;
            return { markdown: `p${pageNumber}`, text: `p${pageNumber}`, width: 10, height: 10, angle: 90, blocks: [], method: "ocr" };
          },
          async previewPage() {
            return PNG;
          },
          async close() {},
        };
      },
      async close() {
        closed = true;
      },
    };
    const emulator = await startEmulator({ engine });
    try {
      const client = clientFor(emulator);
      const result = await client.ocr(makePdf(1));
      expect(result.pages.map((page) => [page.pageNumber, page.content, page.angle])).toEqual([
        [1, "p1", 90],
        [2, "p2", 90],
        [3, "p3", 90],
        [4, "p4", 90],
        [5, "p5", 90],
      ]);
      expect(maxReading).toBe(2);
      await expect(client.ocr(PNG)).rejects.toMatchObject({ code: "invalid_image" });
      expect((await client.getInfo()).raw).toMatchObject({ emulator: { engine: "test-engine" } });
    } finally {
      await emulator.close();
    }
    expect(closed).toBe(false);
  });

  it("refuses bad options with a TypeError naming the option", async () => {
    await expect(startEmulator({ engine: "synthetic", apiKeys: [] })).rejects.toThrow(/apiKeys/);
    await expect(startEmulator({ engine: "synthetic", faults: { serverError: 2 } })).rejects.toThrow(/faults\.serverError/);
    await expect(startEmulator({ engine: "synthetic", faults: { serverError: 0.6, reset: 0.6 } })).rejects.toThrow(/add up to 1/);
    await expect(startEmulator({ engine: "synthetic", resultShape: "xml" as never })).rejects.toThrow(/resultShape/);
    await expect(startEmulator({ engine: "synthetic", maxUploadBytes: 0 })).rejects.toThrow(TypeError);
  });

  it("refuses an empty or blank host, which would listen on every interface", async () => {
    for (const host of ["", " ", "\t"]) {
      await expect(startEmulator({ engine: "synthetic", host }), JSON.stringify(host)).rejects.toThrow(/host must be/);
    }
  });
});

async function asForm(bytes: Uint8Array) {
  const form = new FormData();
  form.append("file", new Blob([bytes]), "a.pdf");
  return { body: form };
}
