import { Redis, type RedisOptions } from "ioredis";

/** Where Redis is: a `redis://` / `rediss://` URL, or ioredis options. */
export type RedisConnection = string | RedisOptions;

export const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";

/** The Redis URL to use when none is given: `REDIS_URL`, else `redis://127.0.0.1:6379`. */
export function defaultRedisUrl(): string {
  return process.env.REDIS_URL || DEFAULT_REDIS_URL;
}

/**
 * A Redis client for the queue. Commands wait while Redis is away (it restarts, fails over) instead
 * of failing after a few tries: a worker or a consumer picks up where it was once Redis is back.
 */
export function createRedis(connection: RedisConnection | undefined): Redis {
  const options: RedisOptions = { maxRetriesPerRequest: null, enableOfflineQueue: true };
  const given = connection ?? defaultRedisUrl();
  if (typeof given === "string") {
    if (!/^rediss?:\/\//.test(given)) {
      throw new TypeError(`The Redis connection must be a redis:// or rediss:// URL, not ${JSON.stringify(given)}.`);
    }
    return new Redis(given, options);
  }
  return new Redis({ ...given, ...options });
}
