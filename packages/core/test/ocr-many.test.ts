import { performance } from "node:perf_hooks";
import { job, makePdf, type ScriptedServer, startScriptedServer } from "@sotaocr/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvalidInputError, type OcrManyItem, SotaOcrClient } from "../src/index.js";

let server: ScriptedServer;
let client: SotaOcrClient;
/** Job "slow" completes on its 3rd poll, the others on their first. */
beforeAll(async () => {
  server = await startScriptedServer();
  client = new SotaOcrClient({ apiKey: "sk-test", baseUrl: server.url });
  server.on("POST /v1/extract", (request) => {
    const name = /filename="([^".]+)/.exec(request.body.toString("latin1"))?.[1] ?? "x";
    return job(`job_${name}`, "pending");
  });
  for (const name of ["a", "b", "c", "slow"]) {
    const id = `job_${name}`;
    const statuses = name === "slow" ? [job(id, "running", 1, 0), job(id, "running", 1, 0)] : [];
    server.on(`GET /v1/jobs/${id}`, ...statuses, job(id, "completed", 1, 1));
    server.on(`GET /v1/jobs/${id}/result`, { json: { pages: [{ page_number: 1, text: `text of ${name}` }] } });
  }
});
afterAll(() => server.close());

const named = (name: string) => ({ input: makePdf([name]), filename: `${name}.pdf` });

describe("ocrMany", () => {
  it("runs files side by side and yields each as it completes", async () => {
    server.requests.length = 0;
    const items: OcrManyItem[] = [];
    const started = performance.now();
    for await (const item of client.ocrMany([named("slow"), named("a"), named("b")], { concurrency: 3 })) items.push(item);
    const elapsed = performance.now() - started;
    expect(items.map((item) => item.source)).toEqual(["a.pdf", "b.pdf", "slow.pdf"]);
    expect(items.map((item) => item.index)).toEqual([1, 2, 0]);
    expect(items.map((item) => item.result?.pages[0]?.content)).toEqual(["text of a", "text of b", "text of slow"]);
    // The slow job takes 3 polls a second apart; run one after another the three would take 5 s.
    expect(elapsed).toBeLessThan(4500);
  });

  it("never has more than `concurrency` files in flight", async () => {
    server.requests.length = 0;
    const items: OcrManyItem[] = [];
    for await (const item of client.ocrMany([named("a"), named("b"), named("c")], { concurrency: 1 })) items.push(item);
    const uploads = server.requestsTo("POST /v1/extract").map((request) => request.at);
    const results = server.requests.filter((request) => request.path.endsWith("/result")).map((request) => request.at);
    // Each upload starts only after the previous file's result was fetched.
    expect(uploads[1]).toBeGreaterThan(results[0] as number);
    expect(uploads[2]).toBeGreaterThan(results[1] as number);
    expect(items).toHaveLength(3);
  });

  it("yields failures as items and keeps going", async () => {
    const items: OcrManyItem[] = [];
    for await (const item of client.ocrMany(["/no/such/file.pdf", named("a")])) items.push(item);
    const failed = items.find((item) => item.error);
    expect(failed?.source).toBe("/no/such/file.pdf");
    expect(failed?.error).toBeInstanceOf(InvalidInputError);
    expect(items.find((item) => item.result)?.source).toBe("a.pdf");
  });

  it("OCRs the same file given twice once: later copies get its result (own name, duplicateOf)", async () => {
    server.requests.length = 0;
    const copy = { input: new Blob([makePdf(["a"])]), filename: "copy-of-a.pdf" };
    const items: OcrManyItem[] = [];
    for await (const item of client.ocrMany([named("a"), named("b"), named("a"), copy], { concurrency: 4 })) items.push(item);
    items.sort((x, y) => x.index - y.index);
    expect(server.requestsTo("POST /v1/extract")).toHaveLength(2);
    expect(items.map((item) => [item.source, item.result?.jobId, item.duplicateOf])).toEqual([
      ["a.pdf", "job_a", undefined],
      ["b.pdf", "job_b", undefined],
      ["a.pdf", "job_a", 0],
      ["copy-of-a.pdf", "job_a", 0],
    ]);
    expect(items[3]?.result?.file).toMatchObject({
      filename: "copy-of-a.pdf",
      source: "copy-of-a.pdf",
      sha256: items[0]?.result?.file.sha256,
    });
    expect(items[3]?.result?.pages).toEqual(items[0]?.result?.pages);
  });

  it("gives each file its own Idempotency-Key, even when a caller passes one (one key names one upload)", async () => {
    server.requests.length = 0;
    // Not in OcrManyOptions' type; a JavaScript caller can still pass it.
    const options = { concurrency: 2, idempotencyKey: "one-key-for-all" } as Parameters<typeof client.ocrMany>[1];
    for await (const item of client.ocrMany([named("a"), named("b")], options)) expect(item.error).toBeUndefined();
    const keys = server.requestsTo("POST /v1/extract").map((request) => request.headers["idempotency-key"]);
    expect(keys).toHaveLength(2);
    expect(new Set(keys).size).toBe(2);
    expect(keys).not.toContain("one-key-for-all");
  });

  it("stops polling the rest when the caller breaks out", async () => {
    server.requests.length = 0;
    for await (const item of client.ocrMany([named("a"), named("slow")], { concurrency: 2 })) {
      expect(item.source).toBe("a.pdf");
      break;
    }
    // A poll already on its way when the loop stopped may land a little later on a busy machine:
    // count from a moment after the stop.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const polls = server.requestsTo("GET /v1/jobs/job_slow").length;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(server.requestsTo("GET /v1/jobs/job_slow").length).toBe(polls);
  });
});
