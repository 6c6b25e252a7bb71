/**
 * Benchmark 3: uploading a 1 GiB PDF from a path. Peak RSS of the uploading process (a plain node
 * child) with `SotaOcrClient.extract(path)`, which streams, against a loader that reads the file
 * into memory first; and upload throughput against `curl -F` to the same emulator. The emulator
 * runs in its own child, so its peak RSS (receiving and page-counting 1 GiB) is measured too.
 */
import { execFile } from "node:child_process";
import { openAsBlob } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { SotaOcrClient, sha256Hex } from "@sotaocr/core";
import { runModule, startModule } from "./lib/child-process.js";
import { tempDir } from "./lib/fixtures.js";
import { distUrl } from "./lib/paths.js";
import { round } from "./lib/stats.js";
import type { BenchResult } from "./lib/summary.js";
import { printTable } from "./lib/table.js";

const GIB = 1024 ** 3;
/** Pause after each upload: the emulator deletes the finished job's 1 GiB copy after 1 s. */
const SETTLE_MS = 1_500;
const MB = 1024 * 1024;

/** The emulator child: synthetic engine, uploads up to 2 GiB, finished jobs deleted after 1 s (they are 1 GiB each). */
const EMULATOR = `
import { startEmulator } from ${JSON.stringify(distUrl("emulator"))};
const emulator = await startEmulator({ engine: "synthetic", synthetic: { msPerPage: 1 }, maxUploadBytes: 2 * 1024 ** 3, jobTtlMs: 1000 });
console.log(JSON.stringify({ url: emulator.url, apiKey: emulator.apiKey }));
process.once("SIGTERM", async () => {
  await emulator.close();
  console.log(JSON.stringify({ maxRssBytes: process.resourceUsage().maxRSS * 1024 }));
  process.exit(0);
});
`;

/** A server that reads and discards request bodies: there the uploader, not the server, sets the pace. */
const SINK = `
import { createServer } from "node:http";
const server = createServer((req, res) => {
  req.resume();
  req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ id: "job_sink", status: "pending" })));
});
server.listen(0, "127.0.0.1", () => console.log(JSON.stringify({ url: "http://127.0.0.1:" + server.address().port })));
process.once("SIGTERM", () => { console.log("{}"); process.exit(0); });
`;

/** The uploading child: `streaming` hands the path to the client; `in-memory` reads the file first, as some loaders do. */
const UPLOADER = `
import { readFile } from "node:fs/promises";
import { performance } from "node:perf_hooks";
import { SotaOcrClient } from ${JSON.stringify(distUrl("core"))};
const [mode, url, apiKey, path] = process.argv.slice(1);
const client = new SotaOcrClient({ baseUrl: url, apiKey });
const started = performance.now();
const input = mode === "in-memory" ? await readFile(path) : path;
const job = await client.extract(input, { filename: "big.pdf" });
const uploadMs = performance.now() - started;
console.log(JSON.stringify({ jobId: job.id, uploadMs, maxRssBytes: process.resourceUsage().maxRSS * 1024 }));
`;

interface Upload {
  method: "sotaocr" | "in-memory" | "curl" | "sotaocr-to-sink" | "curl-to-sink";
  jobId: string;
  uploadMs: number;
  maxRssBytes: number | undefined;
}

export async function runUploadMemory(options: { rounds?: number } = {}): Promise<BenchResult> {
  const rounds = options.rounds ?? 3;
  const files = await tempDir("upload");
  const emulator = await startModule<{ url: string; apiKey: string }, { maxRssBytes: number }>(EMULATOR);
  const { url, apiKey } = emulator.ready;
  const waiter = new SotaOcrClient({ baseUrl: url, apiKey });
  let emulatorRss: number | undefined;
  try {
    const path = await sparsePdf(join(files.dir, "big.pdf"), GIB);
    // Read once so no contender pays for filling the page cache (a cold first read costs seconds of system time).
    await sha256Hex(await openAsBlob(path));
    console.log(
      `upload-memory: a sparse 1 GiB PDF, ${rounds} rounds of streaming client and curl (best counts), then one in-memory loader`,
    );
    const uploads: Upload[] = [];
    // Each job is waited for, and its 1 GiB copy deleted, so the emulator is idle when the next upload starts.
    const measure = async (upload: Omit<Upload, "jobId"> & { jobId: string }) => {
      await waiter.waitForJob(upload.jobId, { timeoutMs: 120_000 });
      await sleep(SETTLE_MS);
      uploads.push(upload);
    };
    for (let round = 0; round < rounds; round++) {
      await measure({ method: "sotaocr", ...(await runModule<Omit<Upload, "method">>(UPLOADER, ["streaming", url, apiKey, path])) });
      await measure({ method: "curl", ...(await curlUpload(url, apiKey, path)) });
    }
    await measure({ method: "in-memory", ...(await runModule<Omit<Upload, "method">>(UPLOADER, ["in-memory", url, apiKey, path])) });
    emulatorRss = (await emulator.stop()).maxRssBytes;
    uploads.push(...(await toSink(path, rounds)));

    printTable(
      uploads.map((upload) => ({
        method: upload.method,
        upload_s: round(upload.uploadMs / 1000, 2),
        mib_per_s: Math.round(GIB / MB / (upload.uploadMs / 1000)),
        peak_rss_mb: upload.maxRssBytes === undefined ? "-" : Math.round(upload.maxRssBytes / MB),
      })),
    );
    const of = (method: Upload["method"]) => uploads.filter((upload) => upload.method === method);
    // Best of the rounds: the capability of each uploader, least disturbed by whatever else the machine runs.
    const throughput = (list: Upload[]) => GIB / MB / (Math.min(...list.map((upload) => upload.uploadMs)) / 1000);
    const rss = (list: Upload[]) => Math.max(...list.map((upload) => upload.maxRssBytes ?? 0)) / MB;
    const ourRss = rss(of("sotaocr"));
    const throughputRatio = throughput(of("sotaocr")) / throughput(of("curl"));
    const summary = {
      file_mib: GIB / MB,
      peak_rss_mb: Math.round(ourRss),
      in_memory_peak_rss_mb: Math.round(rss(of("in-memory"))),
      rss_ratio: ourRss / rss(of("in-memory")),
      mib_per_s: Math.round(throughput(of("sotaocr"))),
      curl_mib_per_s: Math.round(throughput(of("curl"))),
      throughput_ratio: throughputRatio,
      in_memory_mib_per_s: Math.round(throughput(of("in-memory"))),
      sink_mib_per_s: Math.round(throughput(of("sotaocr-to-sink"))),
      curl_sink_mib_per_s: Math.round(throughput(of("curl-to-sink"))),
      emulator_peak_rss_mb: Math.round((emulatorRss ?? 0) / MB),
      goals_met: ourRss < 150 && throughputRatio >= 0.8,
    };
    return { name: "upload-memory", summary, details: { uploads, emulatorRssBytes: emulatorRss } };
  } finally {
    if (emulatorRss === undefined) await emulator.stop().catch(() => undefined);
    await files.remove();
  }
}

/** The client and curl against a discarding server: what each costs on its own, without the emulator's pace. */
async function toSink(path: string, rounds: number): Promise<Upload[]> {
  const sink = await startModule<{ url: string }, unknown>(SINK);
  try {
    const uploads: Upload[] = [];
    for (let round = 0; round < rounds; round++) {
      uploads.push({
        method: "sotaocr-to-sink",
        ...(await runModule<Omit<Upload, "method">>(UPLOADER, ["streaming", sink.ready.url, "sk-sink", path])),
      });
      uploads.push({ method: "curl-to-sink", ...(await curlUpload(sink.ready.url, "sk-sink", path)) });
    }
    return uploads;
  } finally {
    await sink.stop();
  }
}

/** A sparse file that sniffs as a complete PDF: no disk space, real bytes to stream. */
async function sparsePdf(path: string, size: number): Promise<string> {
  const file = await open(path, "w");
  await file.write("%PDF-1.7\n", 0);
  await file.write("\n%%EOF\n", size - 7);
  await file.close();
  return path;
}

/** `curl -F file=@…` to the same URL with the same header: the reference for upload throughput. */
async function curlUpload(url: string, apiKey: string, path: string): Promise<{ jobId: string; uploadMs: number; maxRssBytes: undefined }> {
  const { stdout } = await promisify(execFile)(
    "curl",
    [
      "-sS",
      "-H",
      `Authorization: Bearer ${apiKey}`,
      "-F",
      `file=@${path};type=application/pdf`,
      "-w",
      "\n%{time_total}",
      `${url}/v1/extract`,
    ],
    { maxBuffer: MB },
  );
  const [body = "", seconds = ""] = stdout.trim().split("\n");
  const job = JSON.parse(body) as { id?: string };
  if (!job.id) throw new Error(`curl upload failed: ${body}`);
  return { jobId: job.id, uploadMs: Number(seconds) * 1000, maxRssBytes: undefined };
}
