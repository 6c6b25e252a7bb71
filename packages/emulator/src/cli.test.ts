import { describe, expect, it } from "vitest";
import { parseCommandLine, UsageError } from "./cli.js";

describe("parseCommandLine", () => {
  it("maps flags onto emulator options", () => {
    const command = parseCommandLine([
      "--port=9000",
      "--host",
      "0.0.0.0",
      "--api-key",
      "a",
      "--api-key",
      "b",
      "--engine",
      "synthetic",
      "--ms-per-page",
      "20",
      "--result-shape",
      "paddle",
      "--page-numbering",
      "relative",
      "--max-upload-mb",
      "1.5",
      "--poll-interval-ms",
      "0",
      "--request-timeout-ms",
      "5000",
      "--max-page-megapixels",
      "2.5",
      "--ocr-model",
      "best",
      "--max-connections",
      "50",
      "--fault-seed",
      "42",
      "--fault-server-error",
      "0.1",
      "--fault-ambiguous-upload",
      "0.05",
      "--fault-retry-after",
      "date",
      "--quiet",
    ]);
    expect(command).toEqual({
      kind: "run",
      quiet: true,
      options: expect.objectContaining({
        port: 9000,
        host: "0.0.0.0",
        apiKeys: ["a", "b"],
        engine: "synthetic",
        synthetic: { msPerPage: 20 },
        resultShape: "paddle",
        pageNumbering: "relative",
        maxUploadBytes: 1.5 * 1024 * 1024,
        pollIntervalMs: 0,
        requestTimeoutMs: 5000,
        local: { maxPagePixels: 2_500_000, ocrModel: "best" },
        maxConnections: 50,
        faults: expect.objectContaining({ seed: 42, serverError: 0.1, ambiguousUpload: 0.05, retryAfter: "date", reset: undefined }),
      }),
    });
  });

  it("defaults to port 8787 and the local engine", () => {
    expect(parseCommandLine([])).toMatchObject({ kind: "run", quiet: false, options: { port: 8787, engine: "local" } });
    expect(parseCommandLine(["-h"])).toEqual({ kind: "help" });
  });

  it("throws UsageError on bad flags", () => {
    for (const args of [
      ["--port", "-1"],
      ["--port", "70000"],
      ["--engine", "x"],
      ["--fault-slow", "2"],
      ["--bogus"],
      ["--max-upload-mb", "0"],
      ["--host", ""],
      ["--request-timeout-ms", "0"],
      ["--max-connections", "1.5"],
      ["--max-page-megapixels", "0"],
      ["--ocr-model", "tiny"],
      ["--host", " "],
      ["pos"],
    ]) {
      expect(() => parseCommandLine(args), args.join(" ")).toThrow(UsageError);
    }
  });
});
