import { setTimeout as sleep } from "node:timers/promises";
import type { Redis } from "ioredis";

/**
 * A slot is taken only when its holder has one already (the same file, resumed), or when fewer than
 * the limit are held and the holder is among the first in line for the slots free: files wait in
 * the order they first asked (KEYS[3], by Redis's clock in µs), so that the order the queue gives
 * files in is the order they are uploaded in. Lapsed leases are dropped first, and so are waiters
 * that stopped asking (KEYS[4]: when each one's place lapses). The limit is the one in KEYS[2] (set
 * by the latest worker to start), else ARGV[1]. Times are Redis's own (TIME).
 */
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[3])
local holder = ARGV[2]
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
for _, gone in ipairs(redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', now)) do redis.call('ZREM', KEYS[3], gone) end
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now)
local max = tonumber(redis.call('GET', KEYS[2]) or ARGV[1])
local take = redis.call('ZSCORE', KEYS[1], holder)
if not take then
  redis.call('ZADD', KEYS[3], 'NX', tonumber(t[1]) * 1000000 + tonumber(t[2]), holder)
  take = redis.call('ZRANK', KEYS[3], holder) < max - redis.call('ZCARD', KEYS[1])
end
if take then
  redis.call('ZREM', KEYS[3], holder)
  redis.call('ZREM', KEYS[4], holder)
  redis.call('ZADD', KEYS[1], now + lease, holder)
  if redis.call('PTTL', KEYS[1]) < lease then redis.call('PEXPIRE', KEYS[1], lease) end
  return 1
end
local place = tonumber(ARGV[4])
redis.call('ZADD', KEYS[4], now + place, holder)
redis.call('PEXPIRE', KEYS[3], place)
redis.call('PEXPIRE', KEYS[4], place)
return 0
`;

/** A waiter gives up its place in line (its file was stopped while it waited). */
const LEAVE = `
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
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
 * How long a waiting file keeps its place in line without asking again (ms): several retries, so
 * that only a file whose process died or stalled loses it (and the files behind it wait no longer).
 */
const PLACE_MS = 1_000;

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
  /** The files waiting for a slot, in the order they first asked, and when each one's place lapses. */
  readonly #lineKey: string;
  readonly #placesKey: string;
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
    this.#lineKey = `${this.#key}:line`;
    this.#placesKey = `${this.#key}:places`;
    this.#channel = `${this.#key}:released`;
    this.#max = max;
    this.#leaseMs = Math.max(1, Math.round(leaseMs));
    this.#retryMs = retryMs;
  }

  /** Makes this worker's limit the queue's (as BullMQ's global concurrency: the latest to start sets it). */
  async publishLimit(): Promise<void> {
    await this.#redis.set(this.#limitKey, this.#max);
  }

  /** Waits for a slot for `holder` (the queue job's id), after the files that asked before it. */
  async acquire(holder: string, signal?: AbortSignal): Promise<ActiveJobSlot> {
    try {
      return await this.#waitInLine(holder, signal);
    } catch (error) {
      // Stopped while waiting: the files behind it need not wait for its place to lapse.
      await this.#redis.eval(LEAVE, 2, this.#lineKey, this.#placesKey, holder).catch(() => undefined);
      throw error;
    }
  }

  async #waitInLine(holder: string, signal: AbortSignal | undefined): Promise<ActiveJobSlot> {
    // A place lasts several retries, and longer than the time between them.
    const place = Math.max(PLACE_MS, 3 * this.#retryMs);
    for (;;) {
      signal?.throwIfAborted();
      // Listening before asking: a slot freed here while Redis answers is not missed.
      let wakeUp: () => void = () => undefined;
      const wake = new Promise<void>((resolve) => {
        wakeUp = resolve;
      });
      this.#freed.push(wakeUp);
      const taken = Number(
        await this.#redis.eval(
          ACQUIRE,
          4,
          this.#key,
          this.#limitKey,
          this.#lineKey,
          this.#placesKey,
          this.#max,
          holder,
          this.#leaseMs,
          place,
        ),
      );
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
