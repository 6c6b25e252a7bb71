const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "30m", "90s", "1h", "1500ms", or a bare number of seconds → milliseconds; undefined if unreadable. */
export function parseDuration(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/i.exec(text);
  if (!match) return undefined;
  const ms = Number(match[1]) * (UNITS[(match[2] ?? "s").toLowerCase()] as number);
  return ms > 0 ? ms : undefined;
}
