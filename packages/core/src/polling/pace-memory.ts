import { feasibleCorners, type HalfPlane, planesFor, type Sighting } from "./pace-model.js";

/**
 * What a key's jobs showed of their (wait, pace): from the upload's answer to the job's start (a
 * little below 0: the server starts a job before its answer arrives), and time per page, in ms. A
 * job's `PollSchedule` takes it as a prior.
 */
export interface PacePrior {
  /** The (wait, pace) that fit every job remembered: a·wait + b·pace ≤ c each. */
  planes: HalfPlane[];
  /** The ranges those allow. */
  pace: [low: number, high: number];
  wait: [low: number, high: number];
  /** Page counts of the key's latest jobs, newest last: what a job of unknown page count likely has. */
  pageCounts: number[];
  /**
   * How far past a job's latest plausible end to look (ms): what the key's jobs showed is enough
   * (`PaceMemory`). Below zero, it is for a job's first look only (see `MIN_AIM_MS`).
   */
  aimPastEndMs: number;
}

/** What one completed job showed of the key's pace, times in ms from the upload's answer. */
export interface JobPace {
  total: number;
  /** The job was seen complete by then. */
  completedBy: number;
  sightings: Sighting[];
}

/** What one of this client's completed jobs showed: the key's pace, and how well this client's looks were aimed. */
export interface PaceEvidence extends JobPace {
  /** Looks aimed past the latest plausible end that found the job not complete: the aim was too close. */
  earlyLooks: number;
  /** The look that found the job complete was aimed past its latest plausible end (the aim held). */
  foundWhereAimed: boolean;
}

/** Page counts remembered. */
const MAX_PAGE_COUNTS = 16;
/** Jobs that must agree before their pace is taken for the key's. */
const MIN_JOBS = 2;
/**
 * How far each remembered sighting is loosened: jobs of one key do not start after exactly the same
 * wait, nor read pages at exactly the same pace, and timers run late on a busy machine.
 */
const MEMORY_SLACK_MS = 30;
/**
 * How far past a job's latest plausible end its looks aim, for request latency, timer lateness and
 * the server's own spread: `DEFAULT_AIM_MS` until the key's jobs say otherwise. Each job found
 * where aimed brings it `AIM_STEP_MS` closer, down to `MIN_AIM_MS`: below zero, because the latest
 * end the memory allows is loosened by `MEMORY_SLACK_MS` past what its jobs showed, and looks aimed
 * past it teach nothing that would narrow it again (docs/benchmarks.md §6, item 13). A job looked at
 * too early moves it back by the slack at least, doubling it once positive (up to `MAX_AIM_MS`). A
 * look that comes too early costs its job a whole interval, one that comes late only its margin,
 * hence the quick retreat and the slow approach (docs/benchmarks.md §6, item 10). Only a job's
 * first look, whose latest end is the memory's, aims below zero (`PollSchedule`); later looks use
 * the job's own sightings, which are not loosened.
 */
export const DEFAULT_AIM_MS = 50;
/** What the slack leaves: 10 ms past the latest end the remembered jobs showed, unloosened. */
const MIN_AIM_MS = 10 - MEMORY_SLACK_MS;
const MAX_AIM_MS = 200;
const AIM_STEP_MS = 5;

/**
 * A client's memory of its key's page pace, shared by all its jobs (one per client, like
 * `JobPacer`). The model is the poll schedule's (docs/benchmarks.md §1), with one more assumption:
 * the key's jobs read pages at one pace and start after about the same wait, so what the sightings
 * of several completed jobs allow together, (wait, pace), bounds the next job's before its own
 * first look. A job whose sightings do not fit the others (the pace changed, or a job queued) starts
 * the memory again from that job; jobs that failed or were stopped teach nothing (only a job seen
 * complete is learnt from).
 */
export class PaceMemory {
  #prior: Omit<PacePrior, "pageCounts" | "aimPastEndMs"> | undefined;
  /** How many jobs in a row fit `#prior`. */
  #agreeing = 0;
  readonly #pageCounts: number[] = [];
  #aimMs = DEFAULT_AIM_MS;
  readonly #share: ((pace: JobPace) => void) | undefined;

  /** `share`: given the pace each of this client's jobs showed, for the key's other clients (`PaceExchange`). */
  constructor(share?: (pace: JobPace) => void) {
    this.#share = share;
  }

  /** What the jobs remembered agree on; undefined until `MIN_JOBS` of them do. */
  prior(): PacePrior | undefined {
    return this.#agreeing >= MIN_JOBS && this.#prior
      ? { ...this.#prior, pageCounts: [...this.#pageCounts], aimPastEndMs: this.#aimMs }
      : undefined;
  }

  /** Learns from a job of this client's seen complete, and shares it. */
  learn(evidence: PaceEvidence): void {
    if (evidence.earlyLooks > 0) this.#aimMs = Math.min(MAX_AIM_MS, Math.max(2 * this.#aimMs, this.#aimMs + MEMORY_SLACK_MS));
    else if (evidence.foundWhereAimed) this.#aimMs = Math.max(MIN_AIM_MS, this.#aimMs - AIM_STEP_MS);
    const pace: JobPace = { total: evidence.total, completedBy: evidence.completedBy, sightings: evidence.sightings };
    this.learnPace(pace);
    this.#share?.(pace);
  }

  /**
   * Learns the key's pace from a job another client of the key saw complete. The aim's margin stays
   * this client's own: it answers to this machine's latency and timers.
   */
  learnPace(evidence: JobPace): void {
    this.#pageCounts.push(evidence.total);
    if (this.#pageCounts.length > MAX_PAGE_COUNTS) this.#pageCounts.shift();
    const planes = evidencePlanes(evidence);
    const both = this.#prior && polygonOf([...this.#prior.planes, ...planes]);
    if (both) {
      this.#prior = both;
      this.#agreeing++;
    } else {
      // The first job, or one that does not fit the jobs before: the pace changed.
      this.#prior = polygonOf(planes);
      this.#agreeing = this.#prior ? 1 : 0;
    }
  }
}

/**
 * The job's half-planes on (wait, pace), loosened by `MEMORY_SLACK_MS`. One is an assumption: the
 * job started by the time its upload was answered (servers start a job as they create it). Without
 * it, a job seen complete at its first look says nothing of its pace (it may have started late and
 * gone fast), and first looks could never move before the one that saw it complete; a job that
 * queued contradicts it and so starts the memory afresh.
 */
function evidencePlanes({ total, completedBy, sightings }: JobPace): HalfPlane[] {
  const planes: HalfPlane[] = [
    ...planesFor(sightings, 0),
    [1, total, completedBy], // done by then: s + n·p ≤ t
    [1, 0, 0], // started by the upload's answer: s ≤ 0
  ];
  // Not the floor p ≥ 1 ms (a = 0): every other plane bounds the start.
  return planes.map(([a, b, c]) => [a, b, a === 0 ? c : c + MEMORY_SLACK_MS]);
}

/**
 * The polygon the planes leave, with its ranges, kept by its edges only (each a plane through two
 * of its corners, one plane per edge): a few planes however many jobs it saw.
 */
function polygonOf(planes: HalfPlane[]): Omit<PacePrior, "pageCounts" | "aimPastEndMs"> | undefined {
  const found = feasibleCorners(planes);
  if (found.length === 0) return undefined;
  // Where several planes meet, each pair of them gave the same corner.
  const corners = found.filter((corner, i) => found.findIndex((other) => near(other.s, corner.s) && near(other.p, corner.p)) === i);
  const edges = new Map<string, HalfPlane>();
  for (const plane of planes) {
    const [a, b, c] = plane;
    const on = corners.flatMap(({ s, p }, i) => (near(a * s + b * p, c) ? [i] : []));
    if (on.length >= 2 && !edges.has(on.join())) edges.set(on.join(), plane);
  }
  const waits = corners.map(({ s }) => s);
  const paces = corners.map(({ p }) => p);
  return { planes: [...edges.values()], pace: [Math.min(...paces), Math.max(...paces)], wait: [Math.min(...waits), Math.max(...waits)] };
}

const near = (x: number, y: number) => Math.abs(x - y) <= 1e-6 * Math.max(1, Math.abs(x), Math.abs(y));
