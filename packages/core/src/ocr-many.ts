import { setMaxListeners } from "node:events";
import { ActiveJobLimit } from "./active-job-limit.js";
import { InsufficientBalanceError, SotaOcrError } from "./errors.js";
import { sha256OfInput } from "./input/hash.js";
import { isPreparedInput, type OcrInput, type PreparedInput, prepareInput, sourceOf } from "./input/prepare-input.js";
import type { OcrOptions } from "./options/client-options.js";
import type { OcrResult } from "./types.js";
import { linkedController } from "./utils/timers.js";

/** An input for `ocrMany`: as for `ocr`, or with its own file name (for bytes and Blobs). */
export type OcrManyInput = OcrInput | PreparedInput | { input: OcrInput; filename?: string | undefined };

/** As for `ocr`, without `filename` (each input names itself) and `idempotencyKey` (one key names one upload). */
export interface OcrManyOptions extends Omit<OcrOptions, "filename" | "idempotencyKey"> {
  /** Files in flight at once. @default 4 */
  concurrency?: number | undefined;
}

/**
 * One input's outcome, with its position in the input list. `duplicateOf` is set when an earlier
 * input had the same bytes: the file was OCR'd once, and this item shares that input's job and
 * result (or failure), under its own name.
 */
export type OcrManyItem =
  | { index: number; source: string; result: OcrResult; error?: undefined; duplicateOf?: number | undefined }
  | { index: number; source: string; result?: undefined; error: Error; duplicateOf?: number | undefined };

export const DEFAULT_CONCURRENCY = 4;

type OcrOne = (input: OcrInput | PreparedInput, options: OcrOptions) => Promise<OcrResult>;

export async function* ocrMany(ocr: OcrOne, inputs: readonly OcrManyInput[], options: OcrManyOptions): AsyncGenerator<OcrManyItem> {
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  if (!(Number.isInteger(concurrency) && concurrency >= 1)) {
    throw new SotaOcrError(`concurrency must be a whole number ≥ 1, not ${JSON.stringify(concurrency)}.`);
  }
  // One key would make the server answer every file with the first one's job: each upload gets its own.
  const { concurrency: _, idempotencyKey: _key, ...ocrOptions } = options as OcrManyOptions & { idempotencyKey?: unknown };
  // Aborted when the caller stops early, so the jobs left behind stop being polled.
  const { controller, dispose } = linkedController(options.signal);
  // Every file in flight listens to it: more than Node's default of 10 is expected, not a leak.
  setMaxListeners(0, controller.signal);
  const running = new Map<number, Promise<OcrManyItem>>();
  // The first input with each content (by SHA-256; the options are the same for every input), so
  // that the same file given twice, by one path or two, is uploaded and billed once.
  const firsts = new Map<string, { index: number; outcome: Promise<OcrResult> }>();
  // Inputs claim their content in input order (hashes finish in any order), so the earliest input
  // with given bytes is the one uploaded, and a load's Documents come out in a stable order.
  let claimed: Promise<void> = Promise.resolve();
  let next = 0;
  // How many files may be in flight: `concurrency`, or fewer once the server refused an upload for
  // the key's active-job limit (see ActiveJobLimit).
  const limit = new ActiveJobLimit(concurrency);
  // Set once the account is out of pages: the files not started yet are not uploaded.
  let outOfPages: InsufficientBalanceError | undefined;
  const startNext = () => {
    const index = next++;
    const entry = inputs[index] as OcrManyInput;
    const [input, filename] = isNamed(entry) ? [entry.input, entry.filename] : [entry, undefined];
    const source = sourceOf(input, filename);
    if (outOfPages) {
      running.set(index, Promise.resolve({ index, source, error: notUploaded(source, outOfPages) }));
      return;
    }
    let duplicateOf: number | undefined;
    const earlier = claimed;
    let claimDone = () => {};
    claimed = new Promise<void>((resolve) => {
      claimDone = resolve;
    });
    const ocrOnce = async (): Promise<OcrResult> => {
      try {
        const prepared = isPreparedInput(input) ? input : await prepareInput(input, { filename });
        const sha256 = await sha256OfInput(prepared, controller.signal);
        await earlier;
        const first = firsts.get(sha256);
        if (first) {
          duplicateOf = first.index;
          claimDone();
          const { filename: name, source: from, fileType, size } = prepared;
          return { ...(await first.outcome), file: { filename: name, source: from, fileType, size, sha256 } };
        }
        const watched = limit.watch(ocrOptions);
        const outcome = ocr(prepared, { ...ocrOptions, ...watched.options, signal: controller.signal });
        void outcome.then(watched.ended, watched.ended);
        firsts.set(sha256, { index, outcome });
        claimDone();
        return await outcome;
      } finally {
        // An input that failed before claiming lets the next ones claim, but not before those before it.
        void earlier.then(claimDone);
      }
    };
    const item = ocrOnce().then(
      (result): OcrManyItem => ({ index, source, result, duplicateOf }),
      (error: unknown): OcrManyItem => ({
        index,
        source,
        error: error instanceof Error ? error : new SotaOcrError(String(error)),
        duplicateOf,
      }),
    );
    running.set(index, item);
  };
  try {
    while (next < inputs.length && running.size < limit.value) startNext();
    while (running.size > 0) {
      const item = await Promise.race(running.values());
      running.delete(item.index);
      if (InsufficientBalanceError.isInstance(item.error)) outOfPages ??= item.error;
      while (next < inputs.length && running.size < limit.value) startNext();
      yield item;
    }
  } finally {
    controller.abort();
    await Promise.allSettled(running.values());
    dispose();
  }
}

/** The error for a file left out because an earlier one found the account out of pages. */
function notUploaded(source: string, refusal: InsufficientBalanceError): InsufficientBalanceError {
  return new InsufficientBalanceError(
    `${source}: not uploaded: an earlier file was refused with 402 (insufficient_balance), the account has no pages left. ` +
      "Check the balance with client.getBalance() and top up, then run the files again.",
    { status: refusal.status, code: refusal.code, serverMessage: refusal.serverMessage, cause: refusal },
  );
}

function isNamed(entry: OcrManyInput): entry is { input: OcrInput; filename?: string } {
  return typeof entry === "object" && entry !== null && "input" in entry && !(entry instanceof Blob);
}
