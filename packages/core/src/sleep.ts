import { setTimeout as delay } from "node:timers/promises";

/** Resolves after `ms`, or rejects with the signal's reason as soon as `signal` aborts. */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) throw signal.reason;
  if (ms <= 0) return;
  await delay(ms, undefined, { signal }).catch((error: unknown) => {
    throw signal?.aborted ? signal.reason : error;
  });
}

/**
 * An AbortController that also aborts when any of `signals` does. Call `dispose()` when done, so a
 * long-lived caller signal does not collect one listener per request (AbortSignal.any keeps them).
 */
export function linkedController(...signals: (AbortSignal | undefined)[]): {
  controller: AbortController;
  dispose: () => void;
} {
  const controller = new AbortController();
  const cleanups: (() => void)[] = [];
  for (const signal of signals) {
    if (!signal) continue;
    if (signal.aborted) {
      controller.abort(signal.reason);
      break;
    }
    const onAbort = () => controller.abort(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    cleanups.push(() => signal.removeEventListener("abort", onAbort));
  }
  const dispose = () => {
    for (const cleanup of cleanups) cleanup();
  };
  return { controller, dispose };
}

/** A signal that aborts with `reason` after `ms` (never when ms is Infinity). Call `dispose()` when done. */
export function deadlineSignal(ms: number, reason: unknown): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  if (!Number.isFinite(ms)) return { signal: controller.signal, dispose: () => {} };
  const timer = setTimeout(() => controller.abort(reason), Math.max(0, ms));
  return { signal: controller.signal, dispose: () => clearTimeout(timer) };
}
