import { AbortError, isSotaOcrError, TimeoutError, toAbortError } from "../errors.js";
import { deadlineSignal, linkedController } from "../utils/timers.js";

/**
 * Runs `work` under a deadline of `timeoutMs` (the signal it gets aborts then, or with `signal`).
 * When the deadline passes, the error is a `TimeoutError` naming the job (`jobId`, or a function
 * that tells it once known), which keeps running on the server; an abort names it too.
 */
export async function withDeadline<T>(
  timeoutMs: number,
  jobId: string | (() => string | undefined),
  signal: AbortSignal | undefined,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const expired = Symbol("deadline");
  const deadline = deadlineSignal(timeoutMs, expired);
  const { controller, dispose } = linkedController(signal, deadline.signal);
  try {
    return await work(controller.signal);
  } catch (error) {
    if (deadline.signal.aborted && !signal?.aborted) {
      const id = typeof jobId === "function" ? jobId() : jobId;
      throw new TimeoutError(
        id
          ? `Job ${id} did not finish within ${timeoutMs} ms (timeoutMs). It keeps running on the server: ` +
              `resume with client.waitForJob("${id}") and client.getResult("${id}") instead of uploading again.`
          : `The upload did not finish within ${timeoutMs} ms (timeoutMs).${jobMayExistHint(error)}`,
        { jobId: id, cause: error },
      );
    }
    if (error instanceof AbortError && !error.jobId) {
      const id = typeof jobId === "function" ? jobId() : jobId;
      if (id) throw toAbortError(error.cause, id);
    }
    throw error;
  } finally {
    deadline.dispose();
    dispose();
  }
}

/** When an upload was cut off after its whole file left, the transport's error says so, with the key: keep that. */
function jobMayExistHint(error: unknown): string {
  if (!isSotaOcrError(error)) return "";
  const hint = /The whole file was sent, so the server may have created a job.*$/s.exec(error.message);
  return hint ? ` ${hint[0]}` : "";
}
