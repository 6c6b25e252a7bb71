/**
 * A fixed-size pool of tesseract.js workers (one worker thread each), started lazily and reused
 * for every page of every document until `terminate()`.
 *
 * tesseract.js traps this file guards against:
 * - `createWorker` never settles when the language data cannot be loaded (it only reports through
 *   `errorHandler`), so start-up is bounded by a timeout and fails fast on a reported error.
 * - Without an `errorHandler`, a failed job throws inside a message listener and kills the process.
 * - The language data is read from the installed package (`langPath`, `cacheMethod: "none"`), never
 *   fetched, and never cached into the working directory.
 */
import type { Worker as ThreadWorker } from "node:worker_threads";
import Tesseract from "tesseract.js";

export interface TesseractPoolOptions {
  /** Number of worker threads at most. */
  size: number;
  /** Folder holding `eng.traineddata.gz`. */
  langPath: string;
  /**
   * tesseract's orientation and script detection model (`osd.traineddata`, unpacked). When given,
   * workers run the WebAssembly build that includes the legacy engine (which orientation detection
   * needs; text is still read by the LSTM), and page segmentation mode 1 detects orientation.
   */
  osdData?: Uint8Array;
  /** How long one worker may take to come up before it is terminated and start-up fails. Unit: ms. */
  startTimeoutMs: number;
}

/** Raw recognition output, in the pixel space of the image that was passed in. */
export interface RecognizeOutput {
  /** Tesseract's hOCR: paragraphs, lines (with their text size) and words, with boxes and confidences. */
  hocr: string;
  /** Mean word confidence 0–100. */
  confidence: number;
}

export interface RecognizeOptions {
  /** Resolution of the image, when known (helps tesseract's size heuristics). */
  dpi?: number;
  /**
   * Tesseract's page segmentation mode: 1 = automatic with orientation detection (needs `osdData`),
   * 3 = automatic (columns, blocks, paragraphs), 6 = one uniform block of text. @default 3
   */
  psm?: 1 | 3 | 6;
  /** Only this part of the image: [left, top, width, height] in its pixels. */
  rectangle?: [number, number, number, number];
  signal?: AbortSignal;
}

export interface TesseractPoolStats {
  /** Workers running now. */
  workers: number;
  /** Workers ever started by this pool (stays equal to `workers` when they are reused). */
  created: number;
  /** Workers being started now (0 or 1: they start one at a time). */
  starting: number;
  /** Workers reading a page right now. */
  busy: number;
  /** Pages waiting for a free worker. */
  queued: number;
}

interface Job {
  image: Uint8Array;
  options: RecognizeOptions;
  resolve: (output: RecognizeOutput) => void;
  reject: (error: unknown) => void;
  onAbort?: () => void;
}

interface PoolWorker {
  api: Tesseract.Worker;
  thread: ThreadWorker | undefined;
  job: Job | undefined;
}

export class TesseractPool {
  readonly size: number;
  readonly #options: TesseractPoolOptions;
  readonly #workers = new Set<PoolWorker>();
  readonly #idle: PoolWorker[] = [];
  readonly #queue: Job[] = [];
  #starting = false;
  #created = 0;
  #closed = false;

  constructor(options: TesseractPoolOptions) {
    if (!Number.isInteger(options.size) || options.size < 1)
      throw new RangeError(`Pool size must be a positive integer, got ${options.size}`);
    this.size = options.size;
    this.#options = { ...options };
  }

  stats(): TesseractPoolStats {
    return {
      workers: this.#workers.size,
      created: this.#created,
      starting: this.#starting ? 1 : 0,
      busy: this.#workers.size - this.#idle.length,
      queued: this.#queue.length,
    };
  }

  /** Queues one image (PNG, JPEG or PNM bytes) for the next free worker. */
  recognize(image: Uint8Array, options: RecognizeOptions = {}): Promise<RecognizeOutput> {
    if (this.#closed) return Promise.reject(new Error("The OCR worker pool is closed."));
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<RecognizeOutput>((resolve, reject) => {
      const job: Job = { image, options, resolve, reject };
      if (signal) {
        job.onAbort = () => {
          const index = this.#queue.indexOf(job);
          if (index >= 0) this.#queue.splice(index, 1);
          // A job already running finishes on its worker; its result is dropped.
          reject(signal.reason);
        };
        signal.addEventListener("abort", job.onAbort, { once: true });
      }
      this.#queue.push(job);
      this.#pump();
    });
  }

  /** Terminates every worker and fails queued jobs. The pool cannot be used afterwards. */
  async terminate(): Promise<void> {
    this.#closed = true;
    const error = new Error("The OCR worker pool was closed.");
    for (const job of this.#queue.splice(0)) settle(job, () => job.reject(error));
    const workers = [...this.#workers];
    this.#workers.clear();
    this.#idle.length = 0;
    for (const worker of workers) if (worker.job) settle(worker.job, () => worker.job?.reject(error));
    await Promise.all(workers.map((worker) => worker.api.terminate().catch(() => undefined)));
  }

  #pump(): void {
    if (this.#closed) return;
    while (this.#queue.length > 0 && this.#idle.length > 0) {
      this.#run(this.#idle.pop()!, this.#queue.shift()!);
    }
    // Grow one worker at a time, only while pages are waiting.
    if (this.#queue.length > 0 && !this.#starting && this.#workers.size < this.size) this.#grow();
  }

  #grow(): void {
    this.#starting = true;
    startWorker(this.#options)
      .then(
        (worker) => {
          if (this.#closed) {
            void worker.api.terminate();
            return;
          }
          this.#created++;
          this.#workers.add(worker);
          this.#idle.push(worker);
          // A worker thread that dies (wasm out of memory, crash) leaves the pool and fails its page.
          worker.thread?.once("exit", () => this.#remove(worker, new Error("An OCR worker thread exited unexpectedly.")));
        },
        (error: unknown) => {
          // With no worker to run them, waiting pages fail now rather than hang; a later page retries.
          if (this.#workers.size === 0) for (const job of this.#queue.splice(0)) settle(job, () => job.reject(error));
        },
      )
      .finally(() => {
        this.#starting = false;
        this.#pump();
      });
  }

  #remove(worker: PoolWorker, error: Error): void {
    if (!this.#workers.delete(worker)) return;
    const index = this.#idle.indexOf(worker);
    if (index >= 0) this.#idle.splice(index, 1);
    const job = worker.job;
    if (job) settle(job, () => job.reject(error));
    this.#pump();
  }

  #run(worker: PoolWorker, job: Job): void {
    worker.job = job;
    const params: Record<string, string> = {};
    if (job.options.dpi) params.user_defined_dpi = String(Math.round(job.options.dpi));
    params.tessedit_pageseg_mode = String(job.options.psm ?? 3);
    const rectangle = job.options.rectangle;
    const options = rectangle
      ? { ...params, rectangle: { left: rectangle[0], top: rectangle[1], width: rectangle[2], height: rectangle[3] } }
      : params;
    worker.api
      // `debug`: tesseract's own notes (a weak orientation margin, a guessed resolution) go into the
      // result, which is dropped, rather than to the process's stdout, among the host's output.
      .recognize(Buffer.from(job.image.buffer, job.image.byteOffset, job.image.byteLength), options, {
        text: false,
        hocr: true,
        debug: true,
      })
      .then(
        ({ data }) => settle(job, () => job.resolve({ hocr: data.hocr ?? "", confidence: data.confidence })),
        (error: unknown) => settle(job, () => job.reject(new Error(`OCR failed: ${String(error)}`))),
      )
      .finally(() => {
        if (worker.job !== job) return;
        worker.job = undefined;
        if (this.#workers.has(worker)) {
          this.#idle.push(worker);
          this.#pump();
        }
      });
  }
}

/** Resolves or rejects a job once, and stops listening to its signal. */
function settle(job: Job, action: () => void): void {
  if (job.onAbort) job.options.signal?.removeEventListener("abort", job.onAbort);
  action();
}

/**
 * Starts one tesseract.js worker, or fails within `startTimeoutMs`.
 *
 * tesseract.js gives no handle on the worker thread until start-up succeeds, so the thread is
 * caught through Node's `process` "worker" event (emitted on the tick after a `Worker` is built,
 * which `createWorker` does synchronously): on a timeout or a start-up error it is terminated, so a
 * stuck thread cannot keep the process alive. Workers are started one at a time, which keeps the
 * first `worker` event after the call ours.
 */
export async function startWorker(options: Pick<TesseractPoolOptions, "langPath" | "startTimeoutMs" | "osdData">): Promise<PoolWorker> {
  let thread: ThreadWorker | undefined;
  const onThread = (worker: ThreadWorker) => {
    thread ??= worker;
  };
  process.once("worker", onThread);
  return new Promise<PoolWorker>((resolve, reject) => {
    let done = false;
    const fail = (error: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      process.off("worker", onThread);
      void thread?.terminate();
      reject(error);
    };
    const timer = setTimeout(
      () => fail(new Error(`The OCR worker did not start within ${options.startTimeoutMs} ms; it was terminated.`)),
      options.startTimeoutMs,
    );
    Tesseract.createWorker("eng", Tesseract.OEM.LSTM_ONLY, {
      langPath: options.langPath,
      cacheMethod: "none",
      gzip: true,
      legacyCore: options.osdData !== undefined,
      logger: () => {},
      // Called for every failed job: during start-up it means the worker will never come up.
      errorHandler: (error: unknown) => fail(new Error(`The OCR worker failed to start: ${String(error)}`)),
    }).then(
      async (api) => {
        // tesseract reads the orientation model from its data folder (the module's working directory) when asked for mode 1.
        if (options.osdData && !done) {
          try {
            await api.FS("writeFile", ["./osd.traineddata", options.osdData]);
          } catch (error) {
            fail(new Error(`The OCR worker could not load the orientation model: ${String(error)}`));
          }
        }
        if (done) {
          void api.terminate();
          return;
        }
        done = true;
        clearTimeout(timer);
        process.off("worker", onThread);
        // After start-up, failures reach the caller through the rejected `recognize` promise.
        resolve({ api, thread: (api as unknown as { worker?: ThreadWorker }).worker ?? thread, job: undefined });
      },
      (error: unknown) => fail(new Error(`The OCR worker failed to start: ${String(error)}`)),
    );
  });
}
