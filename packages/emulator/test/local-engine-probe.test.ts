/**
 * The crash probe (`engines/local/image-probe.ts`) through the emulator: a child process decodes an
 * image only before the engine itself decodes it in-process (a preview, or a file tesseract
 * refuses), and a corrupt image still fails its job with `invalid_image`.
 */
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../src/index.js";
import { clientFor, raw } from "./helpers.js";

const CORPUS = fileURLToPath(new URL("../../../test/fixtures/tesseract-js-tests/", import.meta.url));

/** Child processes started by this process (the emulator runs in it) while `work` runs. */
async function childProcessesDuring<T>(work: () => Promise<T>): Promise<{ result: T; children: number }> {
  let children = 0;
  const count = () => {
    children++;
  };
  subscribe("child_process", count);
  try {
    return { result: await work(), children };
  } finally {
    unsubscribe("child_process", count);
  }
}

describe("the local engine's crash probe", () => {
  let emulator: Emulator;

  beforeAll(async () => {
    emulator = await startEmulator({ pollIntervalMs: 0 });
  });
  afterAll(() => emulator?.close());

  it("is not run for an image tesseract reads as it is, only for its preview", { timeout: 60_000 }, async () => {
    const client = clientFor(emulator);
    const read = await childProcessesDuring(() => client.ocr(`${CORPUS}simple.png`, { format: "text" }));
    expect(read.result.pages[0]?.content.trim()).toBe("Tesseract.js");
    expect(read.children).toBe(0);
    // The preview decodes the image in-process with the native canvas: probed first.
    const preview = await childProcessesDuring(() => client.getPagePreview(read.result.jobId, 1));
    expect(preview.result.contentType).toBe("image/png");
    expect(preview.children).toBe(1);
  });

  it("still fails a corrupt image's job with invalid_image and says what is wrong", { timeout: 60_000 }, async () => {
    const flip = (bytes: Buffer, at: number) => {
      const copy = Buffer.from(bytes);
      copy[at]! ^= 0xff;
      return copy;
    };
    const client = clientFor(emulator);
    for (const [name, bytes, type] of [
      // Both crash @napi-rs/canvas (the probe's child, SIGSEGV) and tesseract refuses them.
      ["bad-ihdr.png", flip(readFileSync(`${CORPUS}simple.png`), 30), "PNG"],
      ["corrupt-scan.jpg", flip(readFileSync(`${CORPUS}simple-90.jpg`), 450), "JPEG"],
    ] as const) {
      const job = await client.extract(new Uint8Array(bytes), { filename: name });
      await expect(client.waitForJob(job.id), name).rejects.toMatchObject({ code: "invalid_image" });
      const status = await raw(emulator, `/v1/jobs/${job.id}`);
      expect(status.json?.error, name).toEqual({
        code: "invalid_image",
        message: expect.stringMatching(new RegExp(`^The file is not a readable ${type} image: .+\\.$`)),
      });
    }
  });
});
