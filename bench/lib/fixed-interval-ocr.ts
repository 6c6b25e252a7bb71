import { setTimeout as sleep } from "node:timers/promises";
import { JobFailedError, type JobResult, type SotaOcrClient } from "@sotaocr/core";

/** Fixed poll interval of the baseline, as in common loaders (LlamaParse, Unstructured, Mistral examples). */
export const BASELINE_POLL_MS = 1_000;

/**
 * The baseline the benchmarks compare with: how common loaders wait for a job. Upload, then sleep
 * a fixed second, ask the status, repeat until completed, then fetch the result. Same client
 * methods as `ocr()`, so only the waiting differs.
 */
export async function fixedIntervalOcr(client: SotaOcrClient, path: string, onJob?: (jobId: string) => void): Promise<JobResult> {
  const job = await client.extract(path);
  onJob?.(job.id);
  for (;;) {
    await sleep(BASELINE_POLL_MS);
    const status = await client.getJob(job.id);
    if (status.phase === "completed") break;
    if (status.phase === "failed") throw new JobFailedError(job.id, status.status, status.error?.code, status.error?.message);
  }
  return client.getResult(job.id, { format: "json" });
}
