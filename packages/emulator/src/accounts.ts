import type { IncomingMessage } from "node:http";
import { ApiError } from "./http.js";

/** What one API key has: its balance, its idempotency keys, its recent requests. */
export interface Account {
  /** Index of the key in `apiKeys`: what the request log and jobs record instead of the key. */
  readonly index: number;
  remainingPages: number;
  usedPages: number;
  /** Idempotency-Key → the job it created and what was uploaded. */
  readonly idempotency: Map<string, { jobId: string; fingerprint: string }>;
  /** Arrival times of the requests of the last second (for `requestsPerSecond`). */
  readonly recent: number[];
}

/** One account per key, each starting with `initialBalance` pages, keyed by the key itself. */
export function createAccounts(apiKeys: readonly string[], initialBalance: number): Map<string, Account> {
  return new Map(
    apiKeys.map((key, index) => [key, { index, remainingPages: initialBalance, usedPages: 0, idempotency: new Map(), recent: [] }]),
  );
}

/** The account of the request's `Authorization: Bearer <key>`, or 401 (`missing_api_key` / `invalid_api_key`). */
export function authenticate(accounts: ReadonlyMap<string, Account>, req: IncomingMessage): Account {
  const header = req.headers.authorization;
  const match = header === undefined ? undefined : /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) {
    throw new ApiError(
      401,
      "missing_api_key",
      "Send your API key as `Authorization: Bearer <key>` (the emulator's default key is sotaocr-emulator).",
    );
  }
  const account = accounts.get(match[1] as string);
  if (!account) throw new ApiError(401, "invalid_api_key", "This API key is not accepted by this server. Check SOTAOCR_API_KEY.");
  return account;
}

/** Counts a request at `now` (ms) against the key's `limit` per second, or throws 429 `rate_limited`. */
export function checkRequestRate(account: Account, limit: number, now: number): void {
  if (!Number.isFinite(limit)) return;
  const recent = account.recent;
  while (recent.length > 0 && (recent[0] as number) <= now - 1000) recent.shift();
  if (recent.length >= limit) {
    const waitMs = (recent[0] as number) + 1000 - now;
    throw new ApiError(429, "rate_limited", `More than ${limit} requests per second for this API key. Slow down.`, {}, waitMs);
  }
  recent.push(now);
}

/** Bills a completed job's pages to its account. */
export function billPages(account: Account, pages: number): void {
  account.usedPages += pages;
  account.remainingPages = Math.max(0, account.remainingPages - pages);
}
