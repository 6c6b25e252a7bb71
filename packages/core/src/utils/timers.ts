import { performance } from "node:perf_hooks";
import { setTimeout as delay } from "node:timers/promises";
import { toAbortError } from "../errors.js";

/** A deadline a signal carries: when it runs out (`performance.now()` time) and how long it was, in ms. */
export interface Deadline {
  at: number;
  ms: number;
}

/** Deadlines of signals made by `deadlineSignal`, and of controllers linked to them. */
const deadlines = new WeakMap<AbortSignal, Deadline>();

/** The deadline `signal` carries (the nearest, when it is linked to several), if any. */
export function deadlineOf(signal: AbortSignal | undefined): Deadline | undefined {
  return signal && deadlines.get(signal);
}

/**
 * The longest delay a Node timer takes (2^31 - 1 ms, about 24.8 days). Node runs a longer one, or
 * Infinity, after 1 ms: every timer goes through {@link timerDelay} instead.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** The delay to give a timer for a limit of `ms`, or `undefined` for "no limit" (Infinity, or too long for a timer). */
export function timerDelay(ms: number): number | undefined {
  return ms >= MAX_TIMER_MS ? undefined : Math.max(0, ms);
}

/**
 * The client's one sleep, for every wait (retry backoffs, polls, pacing, the cache waiting on
 * another process): resolves after `ms`; as soon as `signal` aborts, rejects with an `AbortError`
 * that names the job when there is one (`jobId`), so the caller knows what to resume.
 */
export async function sleep(ms: number, signal: AbortSignal | undefined, jobId: string | undefined): Promise<void> {
  try {
    if (signal?.aborted) throw signal.reason;
    if (ms <= 0) return;
    // A wait longer than one timer allows is waited out a timer at a time (Infinity: until aborted).
    for (let left = ms; left > 0; left -= MAX_TIMER_MS) {
      await delay(timerDelay(left) ?? MAX_TIMER_MS, undefined, { signal }).catch((error: unknown) => {
        throw signal?.aborted ? signal.reason : error;
      });
    }
  } catch (reason) {
    throw toAbortError(reason, jobId);
  }
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
  const nearest = signals
    .map(deadlineOf)
    .reduce<Deadline | undefined>((a, b) => (a === undefined || (b !== undefined && b.at < a.at) ? b : a), undefined);
  if (nearest) deadlines.set(controller.signal, nearest);
  const dispose = () => {
    for (const cleanup of cleanups) cleanup();
  };
  return { controller, dispose };
}

/** A signal that aborts with `reason` after `ms` (never when `ms` means no limit). Call `dispose()` when done. */
export function deadlineSignal(ms: number, reason: unknown): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const delayMs = timerDelay(ms);
  if (delayMs === undefined) return { signal: controller.signal, dispose: () => {} };
  const timer = setTimeout(() => controller.abort(reason), delayMs);
  deadlines.set(controller.signal, { at: performance.now() + ms, ms });
  return { signal: controller.signal, dispose: () => clearTimeout(timer) };
}
