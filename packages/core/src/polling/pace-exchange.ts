import { randomUUID } from "node:crypto";
import { z } from "zod";
import { type JobPace, PaceMemory } from "./pace-memory.js";

/**
 * Carries what each client's completed jobs showed of the key's pace to the key's other clients
 * (other processes, other machines), so a client that has just started polls as one that has run a
 * while (`ClientOptions.paceExchange`; `@sotaocr/queue` carries it over Redis between workers).
 * A plain transport: the client tags what it sends, and drops its own and repeats on arrival.
 */
export interface PaceExchange {
  /**
   * Sends one message to every client subscribed, this one included: a plain object, to carry as
   * it is (`JSON.stringify` / `JSON.parse` keep it whole). Called as a job completes; what it
   * throws or rejects with is ignored (sharing only speeds the others up).
   */
  publish(message: object): void | Promise<void>;
  /**
   * Called once per client, as it is made: `deliver` takes each message published. Messages lost
   * or delivered twice do no harm; what does not have the shape `publish` sends is ignored.
   */
  subscribe(deliver: (message: unknown) => void): void;
}

/** Messages remembered to drop repeats by. */
const REMEMBERED = 256;

// Times are ms from the job's upload answer: they mean the same in every process (each client's
// round trips are in them, as in its own jobs').
const sightingSchema = z.object({
  at: z.number().nonnegative(),
  done: z.number().int().nonnegative(),
  progressUnknown: z.boolean().optional(),
});
const messageSchema = z.object({
  v: z.literal(1),
  from: z.string().min(1).max(64),
  seq: z.number().int().nonnegative(),
  pace: z
    .object({
      total: z.number().int().positive(),
      completedBy: z.number().positive(),
      sightings: z.array(sightingSchema).max(64),
    })
    // A job seen with all its pages done before it was complete, or seen after it was: not a real job's.
    .refine(({ total, completedBy, sightings }) => sightings.every(({ at, done }) => done < total && at <= completedBy)),
});

/** A memory that publishes the pace this client's jobs show and learns the pace the others' showed. */
export function sharedPaceMemory(exchange: PaceExchange): PaceMemory {
  const from = randomUUID();
  let seq = 0;
  const memory = new PaceMemory((pace: JobPace) => {
    try {
      Promise.resolve(exchange.publish({ v: 1, from, seq: seq++, pace })).catch(() => undefined);
    } catch {
      // Sharing only speeds the other clients up: its failure is not this job's.
    }
  });
  const seen = new Set<string>();
  exchange.subscribe((message) => {
    const parsed = messageSchema.safeParse(message);
    if (!parsed.success || parsed.data.from === from) return;
    const id = `${parsed.data.from}/${parsed.data.seq}`;
    if (seen.has(id)) return;
    seen.add(id);
    if (seen.size > REMEMBERED) seen.delete(seen.values().next().value as string);
    memory.learnPace(parsed.data.pace);
  });
  return memory;
}

/** Checks a `paceExchange` option has the methods a client calls. */
export function isPaceExchange(value: unknown): value is PaceExchange {
  const exchange = value as Partial<PaceExchange> | null;
  return typeof exchange?.publish === "function" && typeof exchange.subscribe === "function";
}
