import { phaseOf } from "./api/from-wire.js";
import type { OcrOptions } from "./options/client-options.js";

// ocrMany's share of the key's active-job limit, learnt from refused uploads (docs/reliability.md).

/**
 * Learns the key's active-job limit from the uploads the server refuses: an upload attempt that is
 * followed by another before its job exists was refused (429 for the key's active jobs, or a 503);
 * the files in flight are then held to the jobs this load has on the server, so the files beyond
 * wait here instead of retrying their uploads every second. After a round of uploads accepted at
 * once (as many as the limit), one more file is let in: the limit creeps back up to `concurrency`
 * if the server has room again.
 */
export class ActiveJobLimit {
  readonly #max: number;
  #value: number;
  /** Files whose job exists and has not ended. */
  #jobs = 0;
  #acceptedSinceChange = 0;

  constructor(max: number) {
    this.#max = max;
    this.#value = max;
  }

  /** Files that may be in flight now. */
  get value(): number {
    return this.#value;
  }

  /**
   * `onUploadProgress` and `onProgress` for one file's `ocr` call (the caller's own still called),
   * and `ended`, to call once the call settles.
   */
  watch(options: Pick<OcrOptions, "onUploadProgress" | "onProgress">): {
    options: Pick<OcrOptions, "onUploadProgress" | "onProgress">;
    ended: () => void;
  } {
    let lastSent = -1;
    let lastDone = false;
    let refused = false;
    let hasJob = false;
    let ended = false;
    const end = () => {
      if (hasJob && !ended) {
        ended = true;
        this.#jobs--;
      }
    };
    const watching: Pick<OcrOptions, "onUploadProgress" | "onProgress"> = {
      onUploadProgress: (progress) => {
        // A new attempt (the bytes start again) before the job exists: the previous one was refused.
        if (!hasJob && (lastDone || progress.bytesSent < lastSent)) {
          refused = true;
          this.#value = Math.max(1, this.#jobs);
          this.#acceptedSinceChange = 0;
        }
        lastSent = progress.bytesSent;
        lastDone = progress.done;
        options.onUploadProgress?.(progress);
      },
      onProgress: (progress) => {
        if (!hasJob) {
          hasJob = true;
          this.#jobs++;
          if (!refused && ++this.#acceptedSinceChange >= this.#value && this.#value < this.#max) {
            this.#value++;
            this.#acceptedSinceChange = 0;
          }
        }
        // Its last report (completed or failed) ends the job on the server, before its pages are fetched.
        if (phaseOf(progress.status) !== "in_progress") end();
        options.onProgress?.(progress);
      },
    };
    return { options: watching, ended: end };
  }
}
