// The model behind the poll schedule and the pace memory: a job's pages finish one after another
// at a steady pace p from an unknown start s, page k at s + k·p. What a look sees bounds (s, p) by
// half-planes; the feasible (s, p) are the polygon they leave.

/** What one look at a job saw: `done` pages finished at `at` (ms, `performance.now()`). */
export interface Sighting {
  at: number;
  done: number;
  /** Only "not complete" is known: `done` is then the most it can be (all pages but one). */
  progressUnknown?: boolean;
}

/** a·s + b·p ≤ c. */
export type HalfPlane = [a: number, b: number, c: number];

/**
 * Tolerance for the clocks: the server may start a job a little before the client sees the upload
 * answer, and a page may finish between the server reading the status and the answer arriving.
 * Without it, exact sightings near a page boundary could contradict each other.
 */
export const CLOCK_SLACK_MS = 15;

/** The half-planes the sightings of a job known to exist from `createdAt` put on its (start, pace). */
export function planesFor(sightings: readonly Sighting[], createdAt: number): HalfPlane[] {
  const planes: HalfPlane[] = [
    [-1, 0, -(createdAt - CLOCK_SLACK_MS)], // s ≥ createdAt
    [0, -1, -1], // p ≥ 1 ms
  ];
  for (const { at, done, progressUnknown } of sightings) {
    // No page done yet does not say the job started: servers may count pages while it is queued.
    if (done > 0 && !progressUnknown) planes.push([1, done, at]); // s + d·p ≤ t
    planes.push([-1, -(done + 1), -(at - CLOCK_SLACK_MS)]); // s + (d+1)·p ≥ t
  }
  return planes;
}

/** Min and max of `a·s + b·p` over the polygon; the search over corner pairs is cheap for few sightings. */
export function objectiveRange(planes: HalfPlane[], a: number, b: number): [number, number] | undefined {
  const corners = feasibleCorners(planes);
  if (corners.length === 0) return undefined;
  const values = corners.map(({ s, p }) => a * s + b * p);
  return [Math.min(...values), Math.max(...values)];
}

/** The corners of the polygon the planes leave (none when they contradict each other). */
export function feasibleCorners(planes: HalfPlane[]): { s: number; p: number }[] {
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
