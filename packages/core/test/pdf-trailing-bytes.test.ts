import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formOf, job, makePdf, padPdf, type ScriptedServer, startScriptedServer } from "@sotaocr/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SotaOcrClient, UnsupportedFileError } from "../src/index.js";

// The PDF spec allows bytes after the last %%EOF, and real files have them (padding, a signature
// block, a mail gateway's trailer). The client looks for %%EOF in the last MiB of the file.
const KiB = 1024;
const MiB = 1024 * KiB;
let server: ScriptedServer;
let dir: string;
let client: SotaOcrClient;
const pdf = makePdf(["one", "two"]);

beforeAll(async () => {
  server = await startScriptedServer();
  server.on("POST /v1/extract", job("job_tail", "pending"));
  client = new SotaOcrClient({ apiKey: "sk-test", baseUrl: server.url, maxRetries: 0 });
  dir = await mkdtemp(join(tmpdir(), "sotaocr-pdf-tail-"));
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

/** `bytes` followed by `tail`. */
function withTail(bytes: Uint8Array, tail: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.byteLength + tail.byteLength);
  out.set(bytes);
  out.set(tail, bytes.byteLength);
  return out;
}

describe("a PDF with bytes after %%EOF", () => {
  it.each([
    ["4 KiB of NUL padding", new Uint8Array(4 * KiB)],
    ["a 300 KiB signature-like block", new Uint8Array(300 * KiB).fill(0x41)],
    ["almost 1 MiB of noise", Uint8Array.from({ length: MiB - 16 }, (_, i) => (i * 7919) % 251)],
  ])("is uploaded whole: %s", async (_, tail) => {
    const path = join(dir, "tail.pdf");
    const bytes = withTail(pdf, tail);
    await writeFile(path, bytes);
    const uploads = server.requestsTo("POST /v1/extract").length;
    expect((await client.extract(path)).id).toBe("job_tail");
    expect(server.requestsTo("POST /v1/extract")).toHaveLength(uploads + 1);
    const sent = (await formOf(server.requestsTo("POST /v1/extract").at(-1) as never)).get("file") as File;
    expect(sent.size).toBe(bytes.byteLength);
  });
});

describe("a truncated PDF is still refused before anything is sent", () => {
  it.each([
    ["cut before its end (small)", pdf.subarray(0, pdf.byteLength - 40)],
    ["cut in the middle of 3 MiB", padPdf(pdf, 3 * MiB).subarray(0, 2 * MiB)],
    ["%%EOF more than 1 MiB before the end", withTail(pdf, new Uint8Array(MiB + KiB))],
  ])("%s", async (_, bytes) => {
    const uploads = server.requestsTo("POST /v1/extract").length;
    const error = await client.extract(bytes).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedFileError);
    expect(error).toMatchObject({ reason: "truncated" });
    expect((error as Error).message).toMatch(/no %%EOF marker in its last MiB/);
    expect(server.requestsTo("POST /v1/extract")).toHaveLength(uploads);
  });
});
