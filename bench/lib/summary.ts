/** A benchmark's one-line result: `BENCH <name> key=value …`, easy to grep and to parse back. */
export type SummaryValue = number | string | boolean;
export type Summary = Record<string, SummaryValue>;

export interface BenchResult {
  name: string;
  summary: Summary;
  /** Everything else worth keeping in the JSON results (per-job numbers, settings). */
  details?: unknown;
}

/** `BENCH delivery median_ratio=0.31 p95_ms=412 …`: numbers rounded to 3 significant decimals. */
export function formatSummary(name: string, summary: Summary): string {
  const pairs = Object.entries(summary).map(([key, value]) => `${key}=${formatValue(value)}`);
  return `BENCH ${name} ${pairs.join(" ")}`;
}

/** The inverse of `formatSummary`: numbers come back as numbers, `true`/`false` as booleans. */
export function parseSummary(line: string): { name: string; summary: Summary } | undefined {
  const match = /^BENCH (\S+)((?: \S+=\S*)*)$/.exec(line.trim());
  if (!match) return undefined;
  const summary: Summary = {};
  for (const pair of (match[2] ?? "").trim().split(" ").filter(Boolean)) {
    const [key, raw = ""] = pair.split(/=(.*)/s) as [string, string?];
    summary[key] = raw === "true" ? true : raw === "false" ? false : raw !== "" && Number.isFinite(Number(raw)) ? Number(raw) : raw;
  }
  return { name: match[1] as string, summary };
}

function formatValue(value: SummaryValue): string {
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : String(Number(value.toFixed(3)));
  return String(value).replace(/\s+/g, "_");
}
