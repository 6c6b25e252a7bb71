/**
 * When to poll a job next. Polls are never closer than `minIntervalMs` (the API's once-a-second
 * rule). With page progress, it bounds when the last page can finish, spends a few polls where
 * they narrow those bounds most, and aims the last one just past the latest plausible end: long
 * jobs take few polls, and a result is picked up soon after it exists. Without progress it polls
 * at the floor, slowing gently on long jobs (never beyond a twentieth of the time waited, nor 3 s).
 *
 * The model: pages finish one after another at a steady pace from an unknown start `s`, page k at
 * `s + k·p`. A poll at time t that saw d of n pages done says `s + d·p ≤ t < s + (d+1)·p`. Those
 * half-planes bound (s, p), and so the completion `s + n·p`, from both sides. When sightings stop
 * fitting (the pace changed), the oldest are dropped.
 */
export class PollSchedule {
  readonly #minIntervalMs: number;
  readonly #createdAt: number;
  readonly #sightings: Sighting[] = [];
  #total: number | undefined;

  /** `createdAt`: when the job was known to exist (the upload's answer); it cannot start before. */
  constructor(minIntervalMs: number, createdAt: number) {
    this.#minIntervalMs = minIntervalMs;
    this.#createdAt = createdAt;
  }

  /** Records what a poll at time `at` saw. */
  observe(at: number, pagesCompleted: number | undefined, pageCount: number | undefined): void {
    if (pageCount) this.#total = pageCount;
    // Once the page count is known the job is running, so even 0 pages done says something.
    if (pagesCompleted === undefined || !this.#total || pagesCompleted >= this.#total) return;
    this.#sightings.push({ at, done: pagesCompleted });
    if (this.#sightings.length > MAX_SIGHTINGS) this.#sightings.shift();
  }

  /** Earliest and latest plausible completion times, when progress allows an estimate. */
  completionBounds(): Bounds | undefined {
    const total = this.#total;
    const sightings = [...this.#sightings];
    // Without a finished page the pace has no upper bound yet.
    while (total && sightings.some((sighting) => sighting.done > 0)) {
      const bounds = completionRange(sightings, total, this.#createdAt);
      if (bounds) return bounds;
      sightings.shift();
    }
    return undefined;
  }

  /** Milliseconds to wait, from `now`, before the next poll. */
  nextDelay(now: number): number {
    const floor = this.#minIntervalMs;
    const bounds = this.completionBounds();
    if (!bounds) return Math.max(floor, Math.min((now - this.#createdAt) / 20, MAX_BLIND_INTERVAL_MS));
    const spread = bounds.latest - bounds.earliest;
    const aim = Math.max(floor, bounds.latest + AIM_PAST_END_MS - now);
    if (spread <= PRECISE_ENOUGH_MS) return aim;
    const untilEarliest = bounds.earliest - now;
    // Far from the end: wait, halfway at most, so the pace estimate sharpens on the way.
    if (untilEarliest > LOOK_WINDOW * floor) return Math.max(floor, Math.min(untilEarliest / 2, untilEarliest - LOOK_WINDOW * floor));
    // Near, with room for a look before the end: the soonest of those that narrow the bounds most.
    if (untilEarliest >= 2 * floor) return this.#bestLook(now + floor, bounds.earliest - floor, spread) - now;
    // No room: aim past the end if that costs at most an interval, else keep looking at the floor.
    return spread <= floor ? aim : floor;
  }

  /**
   * The poll time in [from, to] after which the bounds are narrowest whatever the poll sees; among
   * nearly-as-good times the soonest, leaving room for further looks.
   */
  #bestLook(from: number, to: number, spread: number): number {
    const total = this.#total as number;
    const base = this.#sightings.slice(-LOOK_SIGHTINGS);
    const bounds = completionRange(base, total, this.#createdAt);
    const candidates: { at: number; worst: number }[] = [];
    for (let i = 0; i <= LOOK_CANDIDATES; i++) {
      const at = from + ((to - from) * i) / LOOK_CANDIDATES;
      let worst = 0;
      // What a poll at `at` could see: any page count the current bounds allow.
      const [low, high] = bounds ? pagesDoneRange(base, total, this.#createdAt, at) : [0, total - 1];
      for (let done = low; done <= Math.min(high, total - 1); done++) {
        const after = completionRange([...base, { at, done }], total, this.#createdAt);
        if (after) worst = Math.max(worst, after.latest - after.earliest);
      }
      candidates.push({ at, worst: worst || spread });
    }
    const best = Math.min(...candidates.map((candidate) => candidate.worst));
    const good = candidates.filter((candidate) => candidate.worst <= best * 1.1 + 1);
    return (good[0] as { at: number }).at;
  }
}

interface Sighting {
  at: number;
  done: number;
}
interface Bounds {
  earliest: number;
  latest: number;
}

const MAX_SIGHTINGS = 64;
/** Within this many poll intervals of the earliest plausible end, polls go where they narrow the bounds. */
const LOOK_WINDOW = 6;
/** Sightings used when weighing where to look next (keeps that search cheap). */
const LOOK_SIGHTINGS = 16;
const LOOK_CANDIDATES = 24;
const MAX_BLIND_INTERVAL_MS = 3_000;
/** Bounds this tight need no extra look. */
const PRECISE_ENOUGH_MS = 150;
/** How far past the latest plausible end a poll aims, for request latency and timer jitter. */
const AIM_PAST_END_MS = 50;

type HalfPlane = [a: number, b: number, c: number]; // a·s + b·p ≤ c

function planesFor(sightings: Sighting[], createdAt: number): HalfPlane[] {
  const planes: HalfPlane[] = [
    [-1, 0, -createdAt], // s ≥ createdAt
    [0, -1, -1], // p ≥ 1 ms
  ];
  for (const { at, done } of sightings) {
    planes.push([1, done, at]); // s + d·p ≤ t
    planes.push([-1, -(done + 1), -at]); // s + (d+1)·p ≥ t
  }
  return planes;
}

/** Min and max of `s + total·p` over the (s, p) that fit every sighting; undefined when none fit. */
function completionRange(sightings: Sighting[], total: number, createdAt: number): Bounds | undefined {
  const range = objectiveRange(planesFor(sightings, createdAt), 1, total);
  return range && { earliest: range[0], latest: range[1] };
}

/** The page counts a poll at `at` could see, given the sightings so far. */
function pagesDoneRange(sightings: Sighting[], total: number, createdAt: number, at: number): [number, number] {
  // (at − s) / p ranges over the feasible polygon; it is not linear, so bound it by the corners.
  const corners = feasibleCorners(planesFor(sightings, createdAt));
  const counts = corners.map(({ s, p }) => Math.floor((at - s) / p));
  return [Math.max(0, Math.min(...counts)), Math.min(total, Math.max(...counts))];
}

/** Min and max of `a·s + b·p` over the polygon; the search over corner pairs is cheap for few sightings. */
function objectiveRange(planes: HalfPlane[], a: number, b: number): [number, number] | undefined {
  const corners = feasibleCorners(planes);
  if (corners.length === 0) return undefined;
  const values = corners.map(({ s, p }) => a * s + b * p);
  return [Math.min(...values), Math.max(...values)];
}

function feasibleCorners(planes: HalfPlane[]): { s: number; p: number }[] {
  const corners: { s: number; p: number }[] = [];
  for (let i = 0; i < planes.length; i++) {
    for (let j = i + 1; j < planes.length; j++) {
      const corner = intersect(planes[i] as HalfPlane, planes[j] as HalfPlane);
      if (corner && planes.every(([a, b, c]) => a * corner.s + b * corner.p <= c + 1e-6 * Math.max(1, Math.abs(c)))) corners.push(corner);
    }
  }
  return corners;
}

function intersect([a1, b1, c1]: HalfPlane, [a2, b2, c2]: HalfPlane): { s: number; p: number } | undefined {
  const det = a1 * b2 - a2 * b1;
  if (Math.abs(det) < 1e-12) return undefined;
  return { s: (c1 * b2 - c2 * b1) / det, p: (a1 * c2 - a2 * c1) / det };
}
