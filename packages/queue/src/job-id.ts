import { createHash } from "node:crypto";
import { formatPageRanges, type OcrFormat, type PageRange } from "@sotaocr/core";

/** What a queued file's result depends on, besides its bytes: the same for a file means the same result. */
export interface ResultOptions {
  format: OcrFormat;
  pageRanges: PageRange[] | undefined;
  modelProfile: string | undefined;
}

/**
 * The queue job id of a file: from its content's SHA-256 and the options that shape its result, so
 * the same logical file is one queue job however often, by whichever path or producer, it is
 * added (BullMQ ignores an add whose id exists). 40 hex digits after `ocr-`.
 */
export function queueJobId(sha256: string, options: ResultOptions): string {
  const ranges = options.pageRanges ? formatPageRanges(options.pageRanges) : "";
  const key = JSON.stringify(["sotaocr-queue/1", sha256.toLowerCase(), options.format, ranges, options.modelProfile ?? ""]);
  return `ocr-${createHash("sha256").update(key).digest("hex").slice(0, 40)}`;
}

/**
 * The `Idempotency-Key` of the upload a queue job makes, on every attempt and every worker: an upload
 * whose outcome a worker never learnt (it was killed, the connection dropped) is sent again with the
 * same key, and a server that honours it answers with the job the first one created.
 */
export function idempotencyKeyOf(queueJobIdValue: string): string {
  return `sotaocr-queue-${queueJobIdValue}`;
}
