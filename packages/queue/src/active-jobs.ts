import { setTimeout as sleep } from "node:timers/promises";
import type { Redis } from "ioredis";

/**
 * A slot is taken only when its holder has one already (the same file, resumed) or fewer than the
 * limit are held; lapsed leases are dropped first. The limit is the one in KEYS[2] (set by the
 * latest worker to start), else ARGV[1]. Times are Redis's own (TIME).
 */
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local max = tonumber(redis.call('GET', KEYS[2]) or ARGV[1])
if redis.call('ZSCORE', KEYS[1], ARGV[2]) or redis.call('ZCARD', KEYS[1]) < max then
  redis.call('ZADD', KEYS[1], now + lease, ARGV[2])
  if redis.call('PTTL', KEYS[1]) < lease then redis.call('PEXPIRE', KEYS[1], lease) end
  return 1
end
return 0
`;

/**
 * Every held slot's lease starts again. A slot whose lease lapsed meanwhile (a stalled event loop,
 * Redis restarted without its data) is put back even over the limit: its job is on the server all
 * the same, and counting it keeps others from uploading until it ends.
 */
const RENEW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[1])
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], now + lease, ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], lease)
return 0
`;

/**
 * A slot is given back, and when it was held the processes listening hear of it at once: a file
 * waiting in another process asks again then, not at its next retry (docs/benchmarks.md §6, item 6).
 */
const RELEASE = `
if redis.call('ZREM', KEYS[1], ARGV[1]) == 1 then redis.call('PUBLISH', ARGV[2], '') end
return 0
`;

/**
 * How often a waiting file asks again for a slot (ms, ± half): for a lease that lapsed, or a release
 * not heard (the listening connection was down); other releases wake it at once.
 */
const RETRY_MS = 100;

/**
 * The key's active SotaOCR jobs, counted in Redis across every worker of a queue: a file takes a
 * slot just before its upload and gives it back as soon as its job is known to have ended (a poll
 * or the result said so), before its result is fetched. Each slot is a lease, renewed while held:
 * a worker that dies (SIGKILL) loses its slots after `leaseMs`, unless the worker that resumes one
 * of its files takes it first (slots are named by the queue job, so that one is its own).
 */
export class ActiveJobSlots {
  readonly #redis: Redis;
  readonly #key: string;
  readonly #limitKey: string;
  /** Where releases are announced. */
  readonly #channel: string;
  readonly #max: number;
  readonly #leaseMs: number;
  readonly #retryMs: number;
  /** Slots this process holds: renewed together. */
  readonly #held = new Set<string>();
  /** Wakes this process's waiting files when a slot is freed, here or (announced) elsewhere. */
  #freed: (() => void)[] = [];
  #timer: NodeJS.Timeout | undefined;
  /** A connection of its own that hears releases (one in subscriber mode can do nothing else), from the first wait on. */
  #listener: Redis | undefined;
  #listening: Promise<void> | undefined;

  /** `retryMs`: how often a waiting file asks again (tests lengthen it, to see what else wakes it). */
  constructor(redis: Redis, prefix: string, max: number, leaseMs: number, retryMs = RETRY_MS) {
    if (!(Number.isInteger(max) && max >= 1)) throw new TypeError(`maxActiveJobs must be a whole number ≥ 1, not ${max}.`);
    this.#redis = redis;
    this.#key = `${prefix}sotaocr-active-jobs`;
    this.#limitKey = activeJobLimitKey(prefix);
    this.#channel = `${this.#key}:released`;
    this.#max = max;
    this.#leaseMs = Math.max(1, Math.round(leaseMs));
    this.#retryMs = retryMs;
  }

  /** Makes this worker's limit the queue's (as BullMQ's global concurrency: the latest to start sets it). */
  async publishLimit(): Promise<void> {
    await this.#redis.set(this.#limitKey, this.#max);
  }

  /** Waits for a slot for `holder` (the queue job's id). */
  async acquire(holder: string, signal?: AbortSignal): Promise<ActiveJobSlot> {
    for (;;) {
      signal?.throwIfAborted();
      // Listening before asking: a slot freed here while Redis answers is not missed.
      let wakeUp: () => void = () => undefined;
      const wake = new Promise<void>((resolve) => {
        wakeUp = resolve;
      });
      this.#freed.push(wakeUp);
      const taken = Number(await this.#redis.eval(ACQUIRE, 2, this.#key, this.#limitKey, this.#max, holder, this.#leaseMs));
      if (taken === 1) {
        this.#freed = this.#freed.filter((waiting) => waiting !== wakeUp);
        this.#hold(holder);
        return new ActiveJobSlot(this, holder);
      }
      if (!this.#listening) {
        // Listening before asking again: a release announced while Redis answers is not missed.
        await this.#listen();
        continue;
      }
      const wait = this.#retryMs / 2 + Math.random() * this.#retryMs;
      await Promise.race([wake, sleep(wait, undefined, { signal })]);
    }
  }

  /** Gives the slot back: its job ended (or never existed). */
  async release(holder: string): Promise<void> {
    if (!this.#held.delete(holder)) return;
    this.#idleCheck();
    await this.#redis.eval(RELEASE, 1, this.#key, holder, this.#channel);
    this.#wakeAll();
  }

  /** Stops renewing the slot without giving it back: its job may still be running; the lease lapses. */
  abandon(holder: string): void {
    this.#held.delete(holder);
    this.#idleCheck();
  }

  /** Stops renewing every slot (the worker closes): they lapse unless their files are resumed. */
  close(): void {
    this.#held.clear();
    this.#idleCheck();
    this.#listener?.disconnect();
  }

  #wakeAll(): void {
    for (const wake of this.#freed.splice(0)) wake();
  }

  /** Hears releases from every process from now on. Should Redis refuse, the retries still wake waiting files. */
  #listen(): Promise<void> {
    this.#listening ??= (async () => {
      const listener = this.#redis.duplicate();
      this.#listener = listener;
      listener.on("error", () => undefined);
      listener.on("message", () => this.#wakeAll());
      await listener.subscribe(this.#channel);
    })().catch(() => undefined);
    return this.#listening;
  }

  #hold(holder: string): void {
    this.#held.add(holder);
    if (this.#timer) return;
    // A third of the lease: two renewals can be late before a live holder's slot lapses.
    this.#timer = setInterval(() => {
      if (this.#held.size > 0) void this.#redis.eval(RENEW, 1, this.#key, this.#leaseMs, ...this.#held).catch(() => undefined);
    }, this.#leaseMs / 3);
    this.#timer.unref();
  }

  #idleCheck(): void {
    if (this.#held.size === 0 && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }
}

/** One file's slot: `release` once its job ended, `abandon` when that is not known. Both are idempotent. */
export class ActiveJobSlot {
  readonly holder: string;
  readonly #slots: ActiveJobSlots;
  #done = false;
  #released: Promise<void> | undefined;
  constructor(slots: ActiveJobSlots, holder: string) {
    this.#slots = slots;
    this.holder = holder;
  }

  release(): Promise<void> {
    if (!this.#done) {
      this.#done = true;
      this.#released = this.#slots.release(this.holder);
    }
    return this.#released ?? Promise.resolve();
  }

  abandon(): void {
    if (this.#done) return;
    this.#done = true;
    this.#slots.abandon(this.holder);
  }
}

/** Where the queue's active-job limit is kept (for `OcrQueue.status()`). */
export function activeJobLimitKey(prefix: string): string {
  return `${prefix}sotaocr-max-active-jobs`;
}
