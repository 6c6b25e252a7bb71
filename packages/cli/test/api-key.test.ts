import { job, type RecordedRequest, type ScriptedServer, startScriptedServer } from "@sotaocr/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Run, runCli, runOnTerminal } from "./run-cli.js";

// A server that echoes the Authorization header everywhere it can: error bodies, headers, job
// statuses and errors, info. Whatever the CLI prints, on any command, must not show the key.
let server: ScriptedServer;
const polls = new Map<string, number>();

const authOf = (request: RecordedRequest) => String(request.headers.authorization);
const failedJob = (id: string, request: RecordedRequest) =>
  job(id, "failed", 1, 0, { error: { code: "ocr_failed", message: `the engine saw ${authOf(request)}` } });

beforeAll(async () => {
  server = await startScriptedServer();
  server
    .on("GET /v1/balance", (request) => ({
      status: 401,
      json: { error: { code: "bad_token", message: `rejected ${authOf(request)}` } },
      headers: { "x-request-id": authOf(request), "www-authenticate": authOf(request) },
    }))
    .on("GET /api/v1/info", (request) => ({
      json: { model_profiles: [authOf(request), { name: `fast-${authOf(request)}` }], echo: authOf(request) },
    }))
    .on("POST /v1/extract", (request) => job("job_x", "pending", 0, 0, { note: authOf(request) }))
    // Every other poll answers with the key as the job's status (unknown: still running), then fails.
    .on("GET /v1/jobs/job_x", (request) => {
      const count = polls.get(authOf(request)) ?? 0;
      polls.set(authOf(request), count + 1);
      return count % 2 === 0 ? job("job_x", authOf(request), 1, 0) : failedJob("job_x", request);
    })
    .on("GET /v1/jobs/job_g", (request) => failedJob("job_g", request));
});
afterAll(() => server?.close());

// The client accepts any printable ASCII key of 6 characters or more: the shortest, with a quote and
// a backslash (which JSON output escapes), and a long one with every kind of character.
const LONG = Array.from({ length: 512 }, (_, i) => String.fromCharCode(0x21 + ((i * 37) % 94))).join("");
const KEYS = ['k"\\y-9', LONG];

/** Awaits every run, keeping the names. */
async function allOf<K extends string>(runs: Record<K, Promise<Run>>): Promise<Record<K, Run>> {
  const entries = Object.entries(runs) as [K, Promise<Run>][];
  return Object.fromEntries(await Promise.all(entries.map(async ([name, run]) => [name, await run] as const))) as Record<K, Run>;
}

describe("the CLI never prints the API key", () => {
  it.each(KEYS.map((key) => [key.length, key]))(
    "a %i-character key, echoed by the server, on every command",
    async (_, key) => {
      const env = { SOTAOCR_BASE_URL: server.url, SOTAOCR_API_KEY: key };
      const [runs, terminal] = await Promise.all([
        allOf({
          balance: runCli(["balance"], { env }),
          "balance --api-key": runCli(["balance", "--api-key", key], { env: { SOTAOCR_BASE_URL: server.url } }),
          info: runCli(["info"], { env }),
          "info --json": runCli(["info", "--json"], { env }),
          "jobs get": runCli(["jobs", "get", "job_g"], { env }),
          "jobs result": runCli(["jobs", "result", "job_g", "--verbose"], { env }),
          extract: runCli(["extract", "page.png"], { env }),
          "unknown command": runCli([key], { env }),
        }),
        runOnTerminal(["extract", "page.png", "--verbose"], { env }),
      ]);

      expect(server.requests.filter((request) => request.headers.authorization === `Bearer ${key}`).length).toBeGreaterThan(8);
      const escaped = JSON.stringify(key).slice(1, -1);
      for (const [command, run] of Object.entries(runs)) {
        for (const printed of [run.stdout, run.stderr]) {
          expect([command, printed.includes(key), printed.includes(escaped)]).toEqual([command, false, false]);
        }
      }
      expect([terminal.includes(key), terminal.includes(escaped)]).toEqual([false, false]);
      // Still useful: the errors are named, and the echoed parts are marked as hidden rather than dropped.
      expect(runs.balance.stderr).toMatch(/AuthenticationError: SotaOCR answered 401 \(bad_token: rejected Bearer \S+\)/);
      expect(runs.extract.stderr).toMatch(/JobFailedError: Job job_x ended as "failed"/);
      expect(terminal).toMatch(/JobFailedError/);
      expect(runs["jobs get"].code).toBe(0);
      expect(JSON.parse(runs["jobs get"].stdout)).toMatchObject({ id: "job_g", status: "failed" });
    },
    90_000, // nine CLI runs
  );
});
