import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { formOf, JPEG_HEAD, job, makePdf, PNG_HEAD, type ScriptedServer, startScriptedServer } from "@sotaocr/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvalidInputError, InvalidPageRangeError, MissingApiKeyError, SotaOcrClient, UnsupportedFileError } from "../src/index.js";

let server: ScriptedServer;
let dir: string;
let client: SotaOcrClient;
const pdf = makePdf(["Hello"]);

beforeAll(async () => {
  server = await startScriptedServer();
  server.on("POST /v1/extract", job("job_in", "pending"));
  client = new SotaOcrClient({ apiKey: "sk-test", baseUrl: server.url });
  dir = await mkdtemp(join(tmpdir(), "sotaocr-inputs-"));
  await writeFile(join(dir, "report.pdf"), pdf);
  await writeFile(join(dir, "scan.png"), PNG_HEAD);
  await writeFile(join(dir, "empty.pdf"), "");
  await writeFile(join(dir, "notes.txt"), "just some notes\n");
  await writeFile(join(dir, "image.gif"), "GIF89a....");
  await writeFile(join(dir, "truncated.pdf"), pdf.subarray(0, pdf.length - 40));
  execFileSync("mkfifo", [join(dir, "pipe.pdf")]);
  await mkdir(join(dir, "folder.pdf"));
});
afterAll(() => server.close());

describe("inputs", () => {
  it.each([
    ["a path", () => join(dir, "report.pdf"), "report.pdf", "application/pdf"],
    ["a file: URL", () => pathToFileURL(join(dir, "report.pdf")), "report.pdf", "application/pdf"],
    ["a file: URL string", () => pathToFileURL(join(dir, "scan.png")).href, "scan.png", "image/png"],
    ["a Buffer", () => Buffer.from(pdf), "document.pdf", "application/pdf"],
    ["a Uint8Array", () => JPEG_HEAD, "document.jpg", "image/jpeg"],
    ["an ArrayBuffer", () => pdf.slice().buffer, "document.pdf", "application/pdf"],
    ["a Blob", () => new Blob([PNG_HEAD]), "document.png", "image/png"],
    ["a File", () => new File([pdf], "named.pdf"), "named.pdf", "application/pdf"],
  ])("uploads %s with the sniffed type and its name", async (_, input, filename, type) => {
    const before = server.requests.length;
    await client.extract(input());
    const upload = server.requests[before];
    const file = (await formOf(upload!)).get("file") as File;
    expect(file.name).toBe(filename);
    expect(file.type).toBe(type);
    expect(file.size).toBeGreaterThan(0);
    expect(upload?.headers.authorization).toBe("Bearer sk-test");
  });

  it("sends the file's exact bytes, page ranges normalised, and the model profile", async () => {
    const before = server.requests.length;
    await client.extract(join(dir, "report.pdf"), { pageRanges: "5,1-2,2-3", modelProfile: "accurate" });
    const form = await formOf(server.requests[before]!);
    expect(Buffer.from(await (form.get("file") as File).arrayBuffer())).toEqual(Buffer.from(pdf));
    expect(JSON.parse(form.get("page_ranges") as string)).toEqual([
      { start: 1, end: 3 },
      { start: 5, end: 5 },
    ]);
    expect(form.get("model_profile")).toBe("accurate");
  });

  it("names bytes with the filename option", async () => {
    const before = server.requests.length;
    await client.extract(pdf, { filename: "contract.pdf" });
    expect(((await formOf(server.requests[before]!)).get("file") as File).name).toBe("contract.pdf");
  });
});

describe("bad input is refused before anything is sent", () => {
  const cases: [string, () => Promise<unknown>, new (...args: never[]) => Error, RegExp][] = [
    ["no API key", () => new SotaOcrClient({ apiKey: "", baseUrl: server.url }).extract(pdf), MissingApiKeyError, /SOTAOCR_API_KEY/],
    ["a missing path", () => client.extract(join(dir, "nope.pdf")), InvalidInputError, /File not found: .*nope\.pdf.*Check the path/],
    ["a directory", () => client.extract(join(dir, "folder.pdf")), InvalidInputError, /is a directory.*DirectoryLoader/],
    ["an empty file", () => client.extract(join(dir, "empty.pdf")), InvalidInputError, /is empty \(0 bytes\)/],
    ["a FIFO (reading it would hang)", () => client.extract(join(dir, "pipe.pdf")), InvalidInputError, /not a regular file/],
    ["a text file", () => client.extract(join(dir, "notes.txt")), UnsupportedFileError, /looks like text, not a PDF, PNG or JPEG.*convert/],
    ["a GIF named .gif", () => client.extract(join(dir, "image.gif")), UnsupportedFileError, /looks like gif/],
    ["a truncated PDF", () => client.extract(join(dir, "truncated.pdf")), UnsupportedFileError, /truncated PDF.*complete copy/],
    ["empty bytes", () => client.extract(new Uint8Array()), InvalidInputError, /empty/],
    ["a number", () => client.extract(42 as never), InvalidInputError, /Unsupported input of type number/],
    ["page range 0", () => client.extract(pdf, { pageRanges: "0-2" }), InvalidPageRangeError, /whole numbers from 1/],
    ["start after end", () => client.extract(pdf, { pageRanges: [{ start: 3, end: 1 }] }), InvalidPageRangeError, /starts after it ends/],
    ["a malformed range", () => client.extract(pdf, { pageRanges: "1-3;5" }), InvalidPageRangeError, /Cannot read page range/],
    ["ocr() with a bad format", () => client.ocr(pdf, { format: "html" as never }), Error, /format must be "markdown" or "text"/],
  ];
  it.each(cases)("%s", async (_, call, type, message) => {
    const before = server.requests.length;
    const error = await call().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(type);
    expect((error as Error).message).toMatch(message);
    expect(server.requests.length).toBe(before);
  });
});
