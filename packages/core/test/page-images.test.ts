import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Emulator, startEmulator } from "@sotaocr/emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writePageImages } from "../src/documents/index.js";
import { SotaOcrClient } from "../src/index.js";

// Page images are the service's previews, fetched once per file and page and never overwritten.
const pdf = (pages: number) => new Blob([`%PDF-1.7\n${"1 0 obj << /Type /Page >> endobj\n".repeat(pages)}%%EOF\n`]);

let emulator: Emulator;
let relative: Emulator;
let dir: string;

beforeAll(async () => {
  [emulator, relative] = await Promise.all([
    startEmulator({ engine: "synthetic", synthetic: { msPerPage: 5 } }),
    startEmulator({ engine: "synthetic", synthetic: { msPerPage: 5 }, pageNumbering: "relative" }),
  ]);
  dir = await mkdtemp(join(tmpdir(), "sotaocr-page-images-"));
});
afterAll(async () => {
  await Promise.all([emulator?.close(), relative?.close()]);
  await rm(dir, { recursive: true, force: true });
});

const previews = (server: Emulator) => server.log.entries.filter((entry) => entry.path.endsWith("/preview"));

describe("writePageImages", () => {
  it("writes each page's preview as a PNG the size of the page, once: a second run fetches nothing", async () => {
    const client = new SotaOcrClient({ apiKey: emulator.apiKey, baseUrl: emulator.url });
    const result = await client.ocr(pdf(2), { filename: "two.pdf" });
    const folder = join(dir, "two");
    const images = await writePageImages(client, result, folder);
    expect([...images.keys()]).toEqual([1, 2]);
    for (const page of result.pages) {
      const image = images.get(page.pageNumber);
      expect(image?.contentType).toBe("image/png");
      expect(image?.path).toBe(join(folder, `${result.file.sha256.slice(0, 16)}-p${page.pageNumber}.png`));
      const png = await readFile(image?.path as string);
      expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([page.width, page.height]);
    }
    expect(previews(emulator)).toHaveLength(2);

    await writeFile(images.get(1)?.path as string, "mine");
    const again = await writePageImages(client, result, folder);
    expect(again).toEqual(images);
    expect(previews(emulator)).toHaveLength(2);
    expect(await readFile(images.get(1)?.path as string, "utf8")).toBe("mine"); // never overwritten
    expect((await readdir(folder)).filter((name) => name.endsWith(".tmp"))).toEqual([]);
  });

  it("asks a service that numbered the pages of a page range 1..k for its own numbers", async () => {
    const client = new SotaOcrClient({ apiKey: relative.apiKey, baseUrl: relative.url });
    const result = await client.ocr(pdf(4), { filename: "four.pdf", pageRanges: "3-4" });
    expect(result.pages.map((page) => page.pageNumber)).toEqual([3, 4]);
    const images = await writePageImages(client, result, join(dir, "four"));
    expect([...images.keys()]).toEqual([3, 4]);
    expect(previews(relative).map((entry) => entry.path.split("/").at(-2))).toEqual(["1", "2"]);
  });
});
