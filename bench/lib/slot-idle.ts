/**
 * Where a run's active-job slots stood idle: the integral over the run of (limit − jobs held), a job
 * held from its upload's arrival to the answer that showed it ended, split by phase (docs/benchmarks.md §6).
 */

/** One SotaOCR job as the server saw it (ms, one clock). */
export interface HeldSlot {
  uploadAt: number;
  seenEndAt: number;
}

/** Idle slot-milliseconds by phase, and the gaps between a slot freeing and its next upload. */
export interface SlotIdle {
  /** Clock start → the limit's worth of first uploads. */
  startMs: number;
  /** Then → the last upload: a slot seen free, waiting for the next file's upload to arrive. */
  betweenMs: number;
  /** The last upload → the last job seen ended: fewer files left than slots. */
  tailMs: number;
  /** The last job seen ended → the clock's end (its result fetched, stored and read). */
  endMs: number;
  /** Per upload after the first `limit`: its arrival less the seen end of the slot it took (the k-th end for the (k + limit)-th upload). */
  refillGapsMs: number[];
  /** Arrival times of those uploads, in the same order. */
  refillUploadsAt: number[];
  /** The first `limit` uploads' arrivals, from the clock's start (ms). */
  firstUploadsMs: number[];
}

export function slotIdle(slots: readonly HeldSlot[], limit: number, clockStart: number, clockEnd: number): SlotIdle {
  const uploads = slots.map((slot) => slot.uploadAt).sort((a, b) => a - b);
  const ends = slots.map((slot) => slot.seenEndAt).sort((a, b) => a - b);
  const fullAt = uploads[Math.min(limit, uploads.length) - 1] ?? clockStart;
  const lastUpload = uploads.at(-1) ?? clockStart;
  const lastEnd = ends.at(-1) ?? clockStart;
  const idle = (from: number, to: number) => idleBetween(slots, limit, Math.max(from, clockStart), Math.min(to, clockEnd));
  const refillUploadsAt = uploads.slice(limit);
  return {
    startMs: idle(clockStart, fullAt),
    betweenMs: idle(fullAt, lastUpload),
    tailMs: idle(lastUpload, lastEnd),
    endMs: idle(lastEnd, clockEnd),
    refillGapsMs: refillUploadsAt.map((at, k) => at - (ends[k] as number)),
    refillUploadsAt,
    firstUploadsMs: uploads.slice(0, limit).map((at) => at - clockStart),
  };
}

/** ∫ max(0, limit − held(t)) dt over [from, to], by sweeping the slots' edges. */
function idleBetween(slots: readonly HeldSlot[], limit: number, from: number, to: number): number {
  if (to <= from) return 0;
  const edges: [number, number][] = [];
  let held = 0;
  for (const { uploadAt, seenEndAt } of slots) {
    if (seenEndAt <= from || uploadAt >= to) continue;
    if (uploadAt <= from) held++;
    else edges.push([uploadAt, 1]);
    if (seenEndAt < to) edges.push([seenEndAt, -1]);
  }
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let total = 0;
  let at = from;
  for (const [time, step] of edges) {
    total += Math.max(0, limit - held) * (time - at);
    held += step;
    at = time;
  }
  return total + Math.max(0, limit - held) * (to - at);
}
