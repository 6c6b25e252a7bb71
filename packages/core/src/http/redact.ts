/**
 * Keeps the API key out of everything the client builds from what a server sent: a server (or a
 * proxy) may echo the `Authorization` header in a body, a header, a job's error or broken HTTP.
 * The transport passes every answer through here once, before any error, result or log sees it.
 */

/**
 * The fewest characters an API key may have. Shorter strings turn up by chance in ordinary text
 * ("k" in every word), so removing them from what the server says would garble it; no real key
 * is that short.
 */
export const MIN_API_KEY_LENGTH = 6;

const REDACTED = "[redacted]";

/** Removes the secret from a string. */
export type Redact = (text: string) => string;

/** A `Redact` for one API key (at least {@link MIN_API_KEY_LENGTH} characters: the client refuses shorter ones). */
export function keyRedactor(apiKey: string): Redact {
  return (text) => (text.includes(apiKey) ? text.replaceAll(apiKey, REDACTED) : text);
}

/** Header names and values, redacted. */
export function redactHeaders(headers: Record<string, string>, redact: Redact): Record<string, string> {
  const clean: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) clean[redact(name)] = redact(value);
  return clean;
}

/** A parsed JSON value with every string and property name redacted (a copy only where something changed). */
export function redactJson<T>(value: T, redact: Redact): T {
  if (typeof value === "string") return redact(value) as T;
  if (Array.isArray(value)) {
    let changed = false;
    const items = value.map((item) => {
      const clean = redactJson(item, redact);
      changed ||= clean !== item;
      return clean;
    });
    return (changed ? items : value) as T;
  }
  if (typeof value !== "object" || value === null) return value;
  let changed = false;
  const entries = Object.entries(value).map(([key, item]) => {
    const clean: [string, unknown] = [redact(key), redactJson(item, redact)];
    changed ||= clean[0] !== key || clean[1] !== item;
    return clean;
  });
  return (changed ? Object.fromEntries(entries) : value) as T;
}

/**
 * An error from the HTTP stack, kept as a `cause` only if no string in it holds the secret (an
 * HTTP parser error quotes the bytes it choked on, which may echo our headers); otherwise a plain
 * `Error` with its name, code and message, redacted.
 */
export function redactCause(error: unknown, redact: Redact): unknown {
  if (!mentions(error, redact)) return error;
  const { name, message, code } = error as { name?: unknown; message?: unknown; code?: unknown };
  const clean = new Error(redact(String(message ?? error)));
  clean.name = redact(String(name ?? "Error"));
  if (typeof code === "string") Object.assign(clean, { code: redact(code) });
  return clean;
}

/** Objects `mentions` looks into before it gives up and assumes the worst. */
const MAX_OBJECTS_SEARCHED = 1000;

/** True when a string reachable through `value`'s own properties (any depth, causes too) holds the secret. */
function mentions(value: unknown, redact: Redact, seen = new Set<unknown>()): boolean {
  if (typeof value === "string") return redact(value) !== value;
  if (typeof value !== "object" || value === null || seen.has(value)) return false;
  if (seen.size >= MAX_OBJECTS_SEARCHED) return true;
  seen.add(value);
  for (const key of Reflect.ownKeys(value)) {
    if (typeof key === "string" && redact(key) !== key) return true;
    const descriptor = Object.getOwnPropertyDescriptor(value, key);
    if (descriptor && "value" in descriptor && mentions(descriptor.value, redact, seen)) return true;
  }
  return false;
}
