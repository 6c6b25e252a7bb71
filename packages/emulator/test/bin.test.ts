import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { SotaOcrClient } from "@sotaocr/core";
import { describe, expect, it } from "vitest";
import { makePdf } from "./helpers.js";

const BIN = fileURLToPath(new URL("../src/bin.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

/** Runs the bin from source (tsx), collecting its output. */
function runBin(args: string[]) {
  const child = spawn(process.execPath, ["--import", "tsx", BIN, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  const output = { stdout: "", stderr: "" };
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    output.stdout += chunk;
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    output.stderr += chunk;
  });
  const exited = once(child, "exit").then(([code, signal]) => ({ code: code as number | null, signal: signal as string | null }));
  return { child, output, exited };
}

async function waitFor(check: () => boolean, child: ChildProcess, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error("the bin did not get there");
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe.concurrent("sotaocr-emulator (bin)", () => {
  it("starts, says how to point the client at it, logs each request, and exits 0 on SIGTERM", async () => {
    const { child, output, exited } = runBin(["--port", "0", "--engine", "synthetic", "--ms-per-page", "1"]);
    try {
      await waitFor(() => output.stdout.includes("\n"), child);
      const [startLine] = output.stdout.split("\n");
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(startLine ?? "")?.[1] as string;
      expect(url).toBeDefined();
      expect(startLine).toContain(`SOTAOCR_BASE_URL=${url} SOTAOCR_API_KEY=sotaocr-emulator`);
      const client = new SotaOcrClient({ baseUrl: url, apiKey: "sotaocr-emulator" });
      const result = await client.ocr(makePdf(2));
      expect(result.pages.map((page) => page.pageNumber)).toEqual([1, 2]);
      await waitFor(() => output.stdout.includes("/result?format=json 200"), child);
      const lines = output.stdout.trim().split("\n").slice(1);
      expect(lines[0]).toMatch(new RegExp(`^POST /v1/extract 200 \\d+\\.\\dms ${result.jobId}$`));
      expect(lines.every((line) => !line.includes("Bearer"))).toBe(true);
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(output.stderr).toBe("");
  });

  it("does not print custom keys, stays quiet with --quiet, and exits 0 on SIGINT", async () => {
    const { child, output, exited } = runBin([
      "--port",
      "0",
      "--engine",
      "synthetic",
      "--api-key",
      "k1-secret",
      "--api-key",
      "k2-secret",
      "--quiet",
    ]);
    try {
      await waitFor(() => output.stdout.includes("\n"), child);
      const url = /listening on (\S+)/.exec(output.stdout)?.[1] as string;
      expect(output.stdout).toContain("SOTAOCR_API_KEY=<your --api-key>");
      expect(output.stdout).not.toContain("k1-secret");
      expect((await new SotaOcrClient({ baseUrl: url, apiKey: "k2-secret" }).getBalance()).remainingPages).toBe(10_000);
      await expect(new SotaOcrClient({ baseUrl: url, apiKey: "sotaocr-emulator" }).getBalance()).rejects.toMatchObject({ status: 401 });
      expect(output.stdout.trim().split("\n")).toHaveLength(1);
    } finally {
      child.kill("SIGINT");
    }
    expect(await exited).toEqual({ code: 0, signal: null });
  });

  it("exits 2 with the usage on bad flags", async () => {
    const cases = [["--port", "abc"], ["--engine", "cloud"], ["--no-such-flag"], ["--fault-reset", "1.5"], ["extra"]];
    const runs = await Promise.all(
      cases.map(async (args) => {
        const { output, exited } = runBin(args);
        return { args, code: (await exited).code, usage: output.stderr.includes("Usage: sotaocr-emulator") };
      }),
    );
    expect(runs).toEqual(cases.map((args) => ({ args, code: 2, usage: true })));
  });
});
