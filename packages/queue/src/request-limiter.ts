import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { Redis } from "ioredis";
import { Agent, type Dispatcher } from "undici";

/**
 * A sliding one-second window over every worker's requests, in Redis: the member is added only when
 * fewer than `max` were added in the window; otherwise the answer is how long to wait (ms) for the
 * oldest to leave it. Times are Redis's own (TIME), so the workers' clocks do not matter.
 */
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + window - now + 1)
`;

/**
 * The window: a second, plus a margin for the time between a grant here and the request's arrival
 * at the server (which counts its own second), so requests granted a second apart never arrive
 * closer than a second apart.
 */
const WINDOW_MS = 1_050;

/** At most `max` requests per second, counted across every process that shares `key` in Redis. */
export class SharedRequestLimiter {
  readonly #redis: Redis;
  readonly #key: string;
  readonly max: number;
  #serial = 0;
  readonly #id = randomBytes(6).toString("hex");

  constructor(redis: Redis, key: string, max: number) {
    if (!(Number.isInteger(max) && max >= 1)) throw new TypeError(`maxRequestsPerSecond must be a whole number ≥ 1, not ${max}.`);
    this.#redis = redis;
    this.#key = key;
    this.max = max;
  }

  /** Waits until a request may go. */
  async acquire(signal?: AbortSignal): Promise<void> {
    const member = `${this.#id}:${this.#serial++}`;
    for (;;) {
      signal?.throwIfAborted();
      const waitMs = Number(await this.#redis.eval(ACQUIRE, 1, this.#key, this.max, WINDOW_MS, member));
      if (waitMs <= 0) return;
      await sleep(waitMs, undefined, { signal });
    }
  }

  /**
   * An undici dispatcher whose every request first waits here: give it to the `SotaOcrClient`
   * (`dispatcher` option) and all of the client's requests, polls and retries included, share the
   * limit. If Redis fails to answer, the request goes anyway (the server's 429s and the client's
   * retries are the safety net) rather than failing the file.
   */
  dispatcher(): Dispatcher {
    return new Agent().compose((dispatch) => (options, handler) => {
      this.acquire().then(
        () => dispatch(options, handler),
        () => dispatch(options, handler),
      );
      return true;
    });
  }
}
