import { z } from "zod";
import { PaceMemory } from "./pace-memory.js";

/**
 * Carries what each client's jobs showed of the key's pace to the key's other clients (other
 * processes, other machines), so a client that has just started polls as one that has run for a
 * while (`ClientOptions.paceExchange`; `@sotaocr/queue` carries it over Redis between workers).
 */
export interface PaceExchange {
  /**
   * Sends what one of this client's completed jobs showed to the others: a plain object to carry as
   * it is (`JSON.stringify` / `JSON.parse` keep it whole). Called as the job completes: it must
   * return at once and never throw.
   */
  publish(evidence: object): void;
  /**
   * Called once, as the client is made: `learn` takes what the other clients' jobs showed, each
   * once (not this client's own). What does not have the shape `publish` sends is ignored.
   */
  subscribe(learn: (evidence: unknown) => void): void;
}

// Times are ms from the job's upload answer, so they mean the same in every process.
const sightingSchema = z.object({
  at: z.number(),
  done: z.number().int().nonnegative(),
  progressUnknown: z.boolean().optional(),
});
const evidenceSchema = z.object({
  total: z.number().int().positive(),
  completedBy: z.number(),
  sightings: z.array(sightingSchema).max(64),
  earlyLooks: z.number().int().nonnegative(),
  foundWhereAimed: z.boolean(),
});

/** A memory that publishes what this client's jobs show and learns what the others' showed. */
export function sharedPaceMemory(exchange: PaceExchange): PaceMemory {
  const memory = new PaceMemory((evidence) => {
    try {
      exchange.publish(evidence);
    } catch {
      // Sharing only speeds the other clients up: its failure is not this job's.
    }
  });
  exchange.subscribe((shared) => {
    const parsed = evidenceSchema.safeParse(shared);
    if (parsed.success) memory.learnShared(parsed.data);
  });
  return memory;
}

/** Checks a `paceExchange` option has the methods a client calls. */
export function isPaceExchange(value: unknown): value is PaceExchange {
  const exchange = value as Partial<PaceExchange> | null;
  return typeof exchange?.publish === "function" && typeof exchange.subscribe === "function";
}
