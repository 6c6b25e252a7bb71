import { DEFAULT_AIM_MS, type PaceEvidence, type PacePrior } from "./pace-memory.js";
import { feasibleCorners, type HalfPlane, objectiveRange, planesFor, type Sighting } from "./pace-model.js";

/**
 * When to poll a job next. Polls are never closer than `minIntervalMs` (the API's once-a-second
 * rule). With page progress, it bounds when the last page can finish, spends a few polls where
 * they narrow those bounds most (and none where nothing can be learnt), and aims the last one just
 * past the latest plausible end; when the end stays uncertain by more than an interval, it times
 * the next poll where it most likely either finds the job complete or shows a page count that
 * tells the plausible ends apart: long jobs take few polls, and a result is picked up soon after it
 * exists. Without progress it polls at the floor, slowing gently on long jobs (never
 * beyond a twentieth of the time waited, nor 3 s). See docs/benchmarks.md for measurements.
 *
 * The model: pages finish one after another at a steady pace from an unknown start `s`, page k at
 * `s + k·p`. A poll at time t that saw d of n pages done says `s + d·p ≤ t < s + (d+1)·p` (with
 * d = 0 only the right side: a queued job may report its page count). Those half-planes bound
 * (s, p), and so the completion `s + n·p`, from both sides. When sightings stop fitting (the pace
 * changed), the oldest are dropped. A prior from the key's other jobs (`PaceMemory`) adds its
 * half-planes, so the end is bounded from the page count alone and the first look can be placed
 * (`firstDelay`); the first sighting that does not fit it drops it for this job.
 */
export class PollSchedule {
  readonly #minIntervalMs: number;
  readonly #createdAt: number;
  readonly #sightings: Sighting[] = [];
  #total: number | undefined;
  /** The key's pace as other jobs showed it (`PaceMemory`), until this job's sightings contradict it. */
  #prior: PacePrior | undefined;
  #completedAt: number | undefined;
  /** The pages the client knows it sent (docs/benchmarks.md §6), for the first look only. */
  readonly #pageHint: number | undefined;
  /**
   * How far past the latest plausible end looks aim (ms): the key's margin (`PaceMemory`), else the
   * default. The first look's may be below zero (its latest end is the memory's, which is loosened);
   * later looks', which use this job's own sightings too, is never below `MIN_OWN_AIM_MS`.
   */
  readonly #firstAim: number;
  readonly #aim: number;
  /** The look now scheduled was aimed past the latest plausible end: it should find the job complete. */
  #expectDone = false;
  /** Of those looks, how many found the job not complete (what `PaceMemory` widens its margin on). */
  #earlyLooks = 0;
  #foundWhereAimed = false;

  /**
   * `createdAt`: when the job was known to exist (the upload's answer); it cannot start before.
   * `prior`: the pace and start wait the key's other jobs showed (`PaceMemory.prior`).
   * `pageHint`: how many pages the client knows it sent (an image, a PDF it counted, the pages its
   * ranges select), used by `firstDelay` while the server has not said; never the job's page count,
   * which only a status poll gives.
   */
  constructor(minIntervalMs: number, createdAt: number, prior?: PacePrior, pageHint?: number) {
    this.#minIntervalMs = minIntervalMs;
    this.#createdAt = createdAt;
    this.#prior = prior;
    this.#pageHint = pageHint;
    this.#firstAim = prior?.aimPastEndMs ?? DEFAULT_AIM_MS;
    this.#aim = Math.max(MIN_OWN_AIM_MS, this.#firstAim);
  }

  /**
   * Milliseconds from `now`, just after the upload, to the first look. Polls of a job are spaced
   * from each other, not from the upload (docs/api-contract.md, "Rate limits and polling"), so with
   * a prior the first look may come sooner than an interval: just past the latest plausible end of
   * a job of this many pages (while the server has not said: of the pages the client counted, else
   * of one of the key's recent page counts),
   * whichever would have delivered the key's recent jobs soonest, a look that comes before a job's
   * end costing it a full interval. While the soonest end is still uncertain by more than
   * `EXPLORE_WIDTH_MS`, the look goes in the middle of its range instead, so that what it sees
   * narrows the prior for the next jobs (looks always at the latest plausible end would only ever
   * confirm it). Never later than an interval; without a prior, an interval.
   */
  firstDelay(now: number): number {
    const { at, expectDone } = this.#firstLook();
    this.#expectDone = expectDone;
    return Math.max(0, at - now);
  }

  /** When the first look goes (a clock time), and whether it is aimed past the job's latest plausible end. */
  #firstLook(): { at: number; expectDone: boolean } {
    const prior = this.#prior;
    const floor = this.#minIntervalMs;
    const aim = this.#firstAim;
    if (!prior) return { at: this.#createdAt + floor, expectDone: false };
    // The pages sent and the key's pace put a short job's end within a narrow range: one look, just
    // past it, even beyond an interval (a status poll before it would only cost a request).
    const explore = this.#exploreLook(prior);
    if (explore !== undefined) return { at: explore, expectDone: false };
    const hinted = this.#total ? undefined : this.#hintedEnd();
    // (Its bounds are times on the clock, as the sightings'.)
    if (hinted && hinted.bounds.latest - this.#createdAt + aim <= ONE_LOOK_WITHIN_INTERVALS * floor) {
      return { at: hinted.bounds.latest + aim, expectDone: true };
    }
    const known = this.#total ?? this.#pageHint;
    const counts = known ? [known] : prior.pageCounts;
    // With this job's count known, a look whole intervals before its end leads to one just past it;
    // with a mix of counts, a look before the shorter jobs' end would cost them an interval.
    const first = (at: number) => (known ? withinFirstInterval(at, floor) : Math.min(floor, at));
    // When a job of each count ends, at the earliest and the latest, from the creation.
    const ends: [number, number][] = counts.map((count) => objectiveRange(prior.planes, 1, count) ?? [floor, Number.POSITIVE_INFINITY]);
    const [soonest, soonestLatest] = ends.reduce((min, end) => (end[1] < min[1] ? end : min), [0, Number.POSITIVE_INFINITY]);
    if (soonestLatest - soonest > EXPLORE_WIDTH_MS)
      return { at: this.#createdAt + first((soonest + soonestLatest) / 2), expectDone: false };
    const delivery = (look: number, end: number) => (look >= end + aim ? look : Math.max(look + floor, end + aim)) - end;
    let best = { at: floor, cost: Number.POSITIVE_INFINITY };
    // Just past an end, or whole intervals before it: the looks that follow, an interval apart, reach it then.
    for (const at of [...ends.map(([, latest]) => first(latest + aim)), floor]) {
      if (at < 0 || at > floor) continue;
      const cost = ends.reduce((total, [earliest, latest]) => total + delivery(at, earliest) + delivery(at, latest), 0);
      if (cost < best.cost) best = { at, cost };
    }
    // With this job's count known, the look is aimed when it falls past that count's latest end.
    return {
      at: this.#createdAt + best.at,
      expectDone: known !== undefined && best.at >= (ends[0]?.[1] ?? Number.POSITIVE_INFINITY) + aim,
    };
  }

  /**
   * A look in the middle of the end's range, for a job of 2 pages or more whose count is known,
   * while the key's pace is known no closer than `EXPLORE_PACE_WIDTH_MS` a page. Looks aimed past
   * the latest plausible end find jobs done and so never narrow the pace: a memory that began wide
   * (a slow first wave) stayed so for a whole run, its jobs seen hundreds of ms late. A look in the
   * middle narrows it whichever it finds; once narrow, no more (docs/benchmarks.md §6, item 11).
   */
  #exploreLook(prior: PacePrior): number | undefined {
    const pages = this.#total ?? this.#pageHint;
    if (!pages || pages < 2 || prior.pace[1] - prior.pace[0] <= EXPLORE_PACE_WIDTH_MS) return undefined;
    const range = objectiveRange(prior.planes, 1, pages);
    const middle = range && (range[0] + range[1]) / 2;
    return middle !== undefined && middle <= ONE_LOOK_WITHIN_INTERVALS * this.#minIntervalMs ? this.#createdAt + middle : undefined;
  }

  /** Records that a look at `at` found the job complete (for what the key's later jobs learn). */
  observeComplete(at: number): void {
    if (this.#completedAt === undefined && this.#expectDone) this.#foundWhereAimed = true;
    this.#completedAt ??= at;
  }

  /**
   * What this job showed of the key's pace, times counted from its creation: its sightings and
   * when it was seen complete. Undefined until it was, with a known page count.
   */
  evidence(): PaceEvidence | undefined {
    if (this.#completedAt === undefined || !this.#total) return undefined;
    const from = this.#createdAt;
    return {
      total: this.#total,
      completedBy: this.#completedAt - from,
      sightings: this.#sightings.slice(-LOOK_SIGHTINGS).map((sighting) => ({ ...sighting, at: sighting.at - from })),
      earlyLooks: this.#earlyLooks,
      foundWhereAimed: this.#foundWhereAimed,
    };
  }

  /** The half-planes of `sightings`, and of the prior while it holds. */
  #planes(sightings: readonly Sighting[]): HalfPlane[] {
    const planes = planesFor(sightings, this.#createdAt);
    const prior = this.#prior;
    if (!prior) return planes;
    // The prior's wait counts from this job's creation: a·(s − createdAt) + b·p ≤ c.
    for (const [a, b, c] of prior.planes) planes.push([a, b, c + a * this.#createdAt]);
    return planes;
  }

  /** Records what a poll at time `at` saw. */
  observe(at: number, pagesCompleted: number | undefined, pageCount: number | undefined): void {
    if (pageCount) this.#total = pageCount;
    // Once the page count is known, even 0 pages done says something: the first page is not done.
    if (pagesCompleted === undefined || !this.#total || pagesCompleted >= this.#total) return;
    this.#lookedTooEarly();
    this.#remember({ at, done: pagesCompleted });
  }

  /**
   * Records that a look at time `at` found the job not complete without saying how far it got (a
   * result request answered 202): only that the last page ends after `at`.
   */
  observeNotDone(at: number): void {
    this.#lookedTooEarly();
    if (this.#total) this.#remember({ at, done: this.#total - 1, progressUnknown: true });
  }

  /** A look found the job not complete: too early, if it was aimed past the latest plausible end. */
  #lookedTooEarly(): void {
    if (this.#expectDone) this.#earlyLooks++;
    this.#expectDone = false;
  }

  #remember(sighting: Sighting): void {
    this.#sightings.push(sighting);
    if (this.#sightings.length > MAX_SIGHTINGS) this.#sightings.shift();
  }

  /**
   * How likely the job is complete at `at`, from 0 to 1, weighing the plausible ends as the
   * schedule does; undefined while progress gives no estimate. A look aimed past where the key's
   * jobs showed it done counts as sure, also when that is before the memory's loosened latest end
   * (a first look's margin below zero): it is the result request, not a status poll before it.
   */
  chanceDoneBy(at: number): number | undefined {
    const { total, bounds } = this.#total ? { total: this.#total, bounds: this.completionBounds() } : (this.#hintedEnd() ?? {});
    if (!total || !bounds) return undefined;
    if (at >= bounds.latest || this.#expectDone) return 1;
    if (at < bounds.earliest) return 0;
    const density = plausibleJobs(this.#planes(this.#sightings), total, this.#createdAt, bounds);
    const mass = density.reduce((total, { weight }) => total + weight, 0);
    if (mass <= 0) return (at - bounds.earliest) / (bounds.latest - bounds.earliest);
    return density.reduce((total, { end, weight }) => (end <= at ? total + weight : total), 0) / mass;
  }

  /**
   * Before the server said the page count: the pages the client sent and their end's bounds (clock
   * times), when the key's pace bounds that end within `ONE_LOOK_WIDTH_MS`. A look aimed past the
   * latest plausible end finds the job done however wide that range; wider ones leave the status
   * poll first, whose page count narrows the pace for the jobs that follow.
   */
  #hintedEnd(): { total: number; bounds: Bounds } | undefined {
    const hint = this.#pageHint;
    if (!hint || !this.#prior) return undefined;
    const bounds = completionRange(this.#planes([]), hint);
    return bounds && bounds.latest - bounds.earliest <= ONE_LOOK_WIDTH_MS ? { total: hint, bounds } : undefined;
  }

  /** Earliest and latest plausible completion times, when progress allows an estimate. */
  completionBounds(): Bounds | undefined {
    const total = this.#total;
    if (!total) return undefined;
    if (this.#prior) {
      const bounds = completionRange(this.#planes(this.#sightings), total);
      if (bounds) return bounds;
      this.#prior = undefined; // this job does not fit the key's pace so far: only its own sightings count
    }
    const sightings = [...this.#sightings];
    // Without a finished page the pace has no upper bound yet.
    while (sightings.some((sighting) => sighting.done > 0 && !sighting.progressUnknown)) {
      const bounds = completionRange(planesFor(sightings, this.#createdAt), total);
      if (bounds) return bounds;
      sightings.shift();
    }
    return undefined;
  }

  /** Milliseconds to wait, from `now`, before the next poll: never less than the floor. */
  nextDelay(now: number): number {
    const bounds = this.completionBounds();
    // A time chosen as `now + floor` and turned back into a delay can come out a hair short of it.
    const delay = Math.max(this.#minIntervalMs, this.#delayFrom(now, bounds));
    this.#expectDone = bounds !== undefined && now + delay >= bounds.latest + this.#aim - 1;
    return delay;
  }

  #delayFrom(now: number, bounds: Bounds | undefined): number {
    const floor = this.#minIntervalMs;
    if (!bounds) return Math.max(floor, Math.min((now - this.#createdAt) / 20, MAX_BLIND_INTERVAL_MS));
    const spread = bounds.latest - bounds.earliest;
    const aim = Math.max(floor, bounds.latest + this.#aim - now);
    if (spread <= PRECISE_ENOUGH_MS) return aim;
    const untilEarliest = bounds.earliest - now;
    // Far from the end: wait, halfway at most, so the pace estimate sharpens on the way.
    if (untilEarliest > LOOK_WINDOW * floor) return Math.max(floor, Math.min(untilEarliest / 2, untilEarliest - LOOK_WINDOW * floor));
    // Near, with room for a look before the end: the soonest of those that narrow the bounds most.
    if (untilEarliest >= 2 * floor) {
      const look = this.#bestLook(now + floor, bounds.earliest - floor, spread);
      if (look.worst < spread * USEFUL_LOOK) return look.at - now;
      // No page left to see finish before the end: looks would only cost requests.
    }
    // Poll where the end most likely falls, or where the page count would sort the plausible ends.
    return spread <= floor ? aim : this.#bestNext(now, bounds) - now;
  }

  /**
   * The next poll when the end is near but still uncertain by more than an interval. A poll at `at`
   * either finds the job complete or sees a page count, which keeps only the plausible (start, pace)
   * that would show that count; from there polls come at the floor, from the first time best for
   * those. Of the times within `STEP_WINDOW` intervals of the earliest allowed, take the one that
   * delivers soonest on average, weighing the plausible jobs (`plausibleJobs`) and
   * charging each poll `POLL_COST_MS`. (This used to plan the polls after the next one at fixed
   * steps whatever it showed; letting them follow what it shows matters most for jobs of few pages,
   * whose end one or two page counts leave uncertain by more than an interval.)
   */
  #bestNext(now: number, bounds: Bounds): number {
    const floor = this.#minIntervalMs;
    const total = this.#total as number;
    const jobs = plausibleJobs(this.#planes(this.#sightings), total, this.#createdAt, bounds);
    const mass = sumOfWeights(jobs);
    // Not before the end can have come, and within one more interval of that.
    const from = Math.max(now + floor, bounds.earliest);
    const to = Math.min(from + STEP_WINDOW * floor, Math.max(from, bounds.latest + this.#aim));
    if (mass <= 0) return from;
    let best = { at: from, cost: Number.POSITIVE_INFINITY };
    for (let i = 0; i <= NEXT_CANDIDATES; i++) {
      const at = from + ((to - from) * i) / NEXT_CANDIDATES;
      let cost = 0;
      const bySighting = new Map<number, PlausibleJob[]>();
      for (const job of jobs) {
        if (job.end + this.#aim <= at) {
          cost += job.weight * (at - job.end + POLL_COST_MS);
          continue;
        }
        const done = Math.max(0, Math.min(total - 1, Math.floor((at - job.start) / job.pace)));
        const group = bySighting.get(done);
        if (group) group.push(job);
        else bySighting.set(done, [job]);
      }
      // The poll at `at` is charged here, with those that follow it.
      for (const group of bySighting.values())
        cost += pollingOnCost(group, at + floor, floor, this.#aim) + POLL_COST_MS * sumOfWeights(group);
      if (cost / mass < best.cost - 1) best = { at, cost: cost / mass };
    }
    return best.at;
  }

  /**
   * The poll time in [from, to] after which the bounds are narrowest whatever the poll sees; among
   * nearly-as-good times the soonest, leaving room for further looks.
   */
  #bestLook(from: number, to: number, spread: number): { at: number; worst: number } {
    const total = this.#total as number;
    const base = this.#sightings.slice(-LOOK_SIGHTINGS);
    const bounds = completionRange(this.#planes(base), total);
    const candidates: { at: number; worst: number }[] = [];
    for (let i = 0; i <= LOOK_CANDIDATES; i++) {
      const at = from + ((to - from) * i) / LOOK_CANDIDATES;
      let worst = 0;
      // What a poll at `at` could see: any page count the current bounds allow.
      const [low, high] = bounds ? pagesDoneRange(this.#planes(base), total, at) : [0, total - 1];
      for (let done = low; done <= Math.min(high, total - 1); done++) {
        const after = completionRange(this.#planes([...base, { at, done }]), total);
        if (after) worst = Math.max(worst, after.latest - after.earliest);
      }
      candidates.push({ at, worst: worst || spread });
    }
    const best = Math.min(...candidates.map((candidate) => candidate.worst));
    const good = candidates.filter((candidate) => candidate.worst <= best * 1.1 + 1);
    return good[0] as { at: number; worst: number };
  }
}

/**
 * `at` moved back by whole intervals into the first one (a time past it as is when infinite): a
 * job that ends after an interval is best looked at first so that a later look, at the floor, falls
 * just after its end (a first look at a full interval would put the next one up to a second late).
 */
function withinFirstInterval(at: number, floor: number): number {
  return Number.isFinite(at) && at > floor ? at - Math.ceil((at - floor) / floor) * floor : at;
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
/** A look is worth its request only if, whatever it sees, the bounds shrink to this share or less. */
const USEFUL_LOOK = 0.8;
const MAX_BLIND_INTERVAL_MS = 3_000;
/** Looks after the first aim at least this far past the latest plausible end (ms): see `#firstAim`. */
const MIN_OWN_AIM_MS = 10;
/** Bounds this tight need no extra look. */
const PRECISE_ENOUGH_MS = 150;
/** The first look explores (see `firstDelay`) while the soonest plausible end is known no closer than this (ms). */
const EXPLORE_WIDTH_MS = 100;
/**
 * ...and, for a job of known pages, while the pace is known no closer than this a page (ms): runs
 * whose memory began well held 50–75 ms, those that stayed wide 110–150 (docs/benchmarks.md §6, item 11).
 */
const EXPLORE_PACE_WIDTH_MS = 100;
/**
 * A job the key's pace says ends within this many intervals of its upload is looked at once, at its
 * end, rather than an interval before it too: one request less, no progress reported meanwhile.
 */
const ONE_LOOK_WITHIN_INTERVALS = 3;
/** ...when the pace bounds its end within this (ms); docs/benchmarks.md §6, item 8. */
const ONE_LOOK_WIDTH_MS = 300;
/** What one more poll is worth in delivery time, when choosing between plans (ms). */
const POLL_COST_MS = 100;
/**
 * Next-poll times weighed by `#bestNext`. With `THEN_CANDIDATES` and `END_SAMPLES`, about ten
 * thousand steps a call (a few milliseconds for the first calls, before the JIT); finer grids (up
 * to 48 × 20, with 8 paces for each end) gained nothing beyond noise in simulation.
 */
const NEXT_CANDIDATES = 16;
/** First times, within an interval, weighed for the polls at the floor that follow. */
const THEN_CANDIDATES = 8;
/** Intervals past the earliest allowed poll `#bestNext` may put it: wider windows waited too long on flat odds in simulation. */
const STEP_WINDOW = 1;
/** End times the plausible ends are sampled at. */
const END_SAMPLES = 64;
/** Scale of the prior on how long a job waits before it starts, in ms (see `plausibleJobs`). */
const START_PRIOR_MS = 200;

/** Min and max of `s + total·p` over the (s, p) that fit every plane; undefined when none fit. */
function completionRange(planes: HalfPlane[], total: number): Bounds | undefined {
  const range = objectiveRange(planes, 1, total);
  return range && { earliest: range[0], latest: range[1] };
}

interface PlausibleJob {
  start: number;
  pace: number;
  end: number;
  /** How likely the end is, relative to the others. */
  weight: number;
}

/**
 * How likely each end time in `bounds` is, sampled at `END_SAMPLES` ends: every pace that fits the
 * sightings equally likely, and a start the likelier the sooner after the upload (most jobs start
 * at once; queueing is the exception), with weight exp(−(s − createdAt) / START_PRIOR_MS). Each end
 * comes with the middle of the paces that fit it, enough to tell which page count a poll would see.
 */
function plausibleJobs(planes: HalfPlane[], total: number, createdAt: number, bounds: Bounds): PlausibleJob[] {
  const jobs: PlausibleJob[] = [];
  const step = (bounds.latest - bounds.earliest) / END_SAMPLES;
  for (let i = 0; i < END_SAMPLES; i++) {
    const end = bounds.earliest + (i + 0.5) * step;
    const paces = paceRange(planes, total, end);
    if (!paces) continue;
    // Integrated along the chord with the prior on the start: s runs from end − total·high to end − total·low.
    const weight = startWeight(end - total * paces[1] - createdAt, end - total * paces[0] - createdAt);
    const pace = (paces[0] + paces[1]) / 2;
    if (weight > 0) jobs.push({ start: end - total * pace, pace, end, weight });
  }
  return jobs;
}

/** The paces that fit every plane for a job ending at `end` (so starting at end − total·p), when some do. */
function paceRange(planes: HalfPlane[], total: number, end: number): [low: number, high: number] | undefined {
  let low = 0;
  let high = Number.POSITIVE_INFINITY;
  // On the line, s = end − total·p, so a·s + b·p ≤ c becomes (b − a·total)·p ≤ c − a·end.
  for (const [a, b, c] of planes) {
    const k = b - a * total;
    const rest = c - a * end;
    if (k > 0) high = Math.min(high, rest / k);
    else if (k < 0) low = Math.max(low, rest / k);
    else if (rest < 0) return undefined;
  }
  return Number.isFinite(high) && high > low ? [low, high] : undefined;
}

/** The prior's weight for a start between `early` and `late` ms after the upload. */
function startWeight(early: number, late: number): number {
  return Math.exp(-early / START_PRIOR_MS) - Math.exp(-late / START_PRIOR_MS);
}

const sumOfWeights = (jobs: PlausibleJob[]) => jobs.reduce((sum, { weight }) => sum + weight, 0);

/**
 * Weighted delivery time plus poll costs when polls come every `floor` from a first one in
 * [`earliest`, `earliest` + floor), that first one chosen best for these jobs; a look finds a job
 * done from `aim` past its end.
 */
function pollingOnCost(jobs: PlausibleJob[], earliest: number, floor: number, aim: number): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < THEN_CANDIDATES; i++) {
    const first = earliest + (floor * i) / THEN_CANDIDATES;
    let cost = 0;
    for (const { end, weight } of jobs) {
      const ready = end + aim;
      const steps = ready <= first ? 0 : Math.ceil((ready - first) / floor);
      cost += weight * (first + steps * floor - end + POLL_COST_MS * (steps + 1));
    }
    best = Math.min(best, cost);
  }
  return best;
}

/** The page counts a poll at `at` could see, given the sightings so far. */
function pagesDoneRange(planes: HalfPlane[], total: number, at: number): [number, number] {
  // (at − s) / p ranges over the feasible polygon; it is not linear, so bound it by the corners.
  const corners = feasibleCorners(planes);
  const counts = corners.map(({ s, p }) => Math.floor((at - s) / p));
  return [Math.max(0, Math.min(...counts)), Math.min(total, Math.max(...counts))];
}
