// The inspector page in a real browser: Debian's `chromium` (`.ci/run` installs it), driven by
// playwright-core against the built CLI and the emulator's synthetic engine. The one browser test
// file of the suite; the page's data is unit-tested in src/inspect/*.test.ts.
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SotaOcrClient } from "@sotaocr/core";
import { elementFields } from "@sotaocr/core/documents";
import { type Emulator, startEmulator } from "@sotaocr/emulator";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningInspector, startInspector } from "./inspect-server.js";
import { runCli } from "./run-cli.js";

const CHROMIUM = "/usr/bin/chromium";
const KEY = "sk-inspect-browser-9f3a7c21";

// Without chromium the file is skipped locally, but CI (which installs it) must run it.
const missing = !existsSync(CHROMIUM) && !process.env.CI;

describe.skipIf(missing)("sotaocr inspect in headless Chromium", () => {
  let emulator: Emulator;
  let inspector: RunningInspector;
  let browser: BrowserContext;
  let dir: string;
  const env = () => ({ SOTAOCR_BASE_URL: emulator.url, SOTAOCR_API_KEY: KEY });

  beforeAll(async () => {
    emulator = await startEmulator({ engine: "synthetic", apiKeys: [KEY] });
    dir = await mkdtemp(join(tmpdir(), "sotaocr-inspect-browser-"));
    inspector = await startInspector(["report.pdf"], env());
    // A fresh profile each run (launchPersistentContext takes it as --user-data-dir).
    browser = await chromium.launchPersistentContext(join(dir, "profile"), {
      executablePath: CHROMIUM,
      viewport: { width: 1280, height: 900 },
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await inspector?.stop();
    await emulator?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** A fresh page that records console errors and uncaught exceptions. */
  async function open(url: string): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(message.text());
    });
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(url);
    return { page, errors };
  }

  /** The job's pages, as the client reads them from the emulator: what the page should show. */
  async function pagesOf(page: Page) {
    const model = JSON.parse((await page.locator("#model").textContent()) as string);
    const client = new SotaOcrClient({ baseUrl: emulator.url, apiKey: KEY });
    return (await client.getPages(model.documents[0].jobId)).pages;
  }

  // Asked through the element's handle: the page's CSP forbids the eval that waitForFunction needs.
  // The test's own types have no DOM, hence the cast.
  const imageLoaded = (page: Page) =>
    expect
      .poll(() =>
        page.locator("#page-image").evaluate((element) => {
          const image = element as unknown as { complete: boolean; naturalWidth: number };
          return image.complete && image.naturalWidth > 0;
        }),
      )
      .toBe(true);

  it("loads without console errors, draws one box per element, and a clicked box selects its text", async () => {
    const { page, errors } = await open(inspector.url);
    await imageLoaded(page);
    const pages = await pagesOf(page);
    const first = pages[0]?.elements ?? [];
    expect(first.length).toBeGreaterThan(1);
    await expect.poll(() => page.locator("#overlay .box").count()).toBe(first.filter((element) => element.bbox).length);
    expect(await page.locator("#element-list li").count()).toBe(first.length);

    const second = first[1] as (typeof first)[number];
    await page.locator(`#overlay .box[data-order="${second.order}"] rect`).first().click();
    expect(await page.locator("#selected-text").textContent()).toBe(second.text);
    expect(await page.locator(`#element-list li[data-order="${second.order}"]`).getAttribute("class")).toContain("selected");
    // And the reverse: the list selects the box.
    const title = first[0] as (typeof first)[number];
    await page.locator(`#element-list li[data-order="${title.order}"]`).click();
    expect(await page.locator(`#overlay .box[data-order="${title.order}"]`).getAttribute("class")).toContain("selected");
    expect(await page.locator("#selected-text").textContent()).toBe(title.text);

    await page.locator("#next").click();
    await imageLoaded(page);
    expect(await page.locator("#page-label").textContent()).toBe(`2 / ${pages.length}`);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("a pasted Document jumps to its page and highlights its box", async () => {
    const { page, errors } = await open(inspector.url);
    const pages = await pagesOf(page);
    const last = pages.at(-1) as (typeof pages)[number];
    const element = last.elements?.[1] as NonNullable<typeof last.elements>[number];
    // An element Document as @sotaocr/langchain writes it (split: "element").
    const document = {
      pageContent: element.text,
      metadata: { source: "report.pdf", loc: { pageNumber: last.pageNumber }, ...elementFields(element, last) },
    };
    await page.locator("#paste").fill(JSON.stringify(document));
    await page.locator("#paste-go").click();
    expect(await page.locator("#page-label").textContent()).toBe(`${pages.length} / ${pages.length}`);
    await expect.poll(() => page.locator("#overlay .box.highlighted").count()).toBe(1);
    expect(await page.locator("#overlay .box.highlighted").getAttribute("data-order")).toBe(String(element.order));
    expect(await page.locator("#selected-text").textContent()).toBe(element.text);
    await imageLoaded(page);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("--out writes one file that works offline, with no key in it or in what the server sends", async () => {
    const out = join(dir, "report.html");
    const run = await runCli(["inspect", "report.pdf", "--out", out, "--highlight", join(dir, "chunks.json")], { env: env() });
    expect(run.code).toBe(2); // the chunks file does not exist yet: a usage error, before any upload
    const chunks = [{ metadata: { source: "report.pdf", page_number: 1, element_order: 1 } }];
    await writeFile(join(dir, "chunks.json"), JSON.stringify(chunks));
    const written = await runCli(["inspect", "report.pdf", "--pages", "1-2", "--out", out, "--highlight", join(dir, "chunks.json")], {
      env: env(),
    });
    expect(written.code).toBe(0);
    const html = await readFile(out, "utf8");
    expect(html).not.toContain(KEY);
    expect(html).toMatch(/data:image\/png;base64,/);
    expect(html).not.toMatch(/\b(?:src|href)="https?:/);

    const { page, errors } = await open(`file://${out}`);
    await imageLoaded(page);
    expect(await page.locator("#overlay .box").count()).toBeGreaterThan(1);
    expect(await page.locator("#overlay .box.highlighted").getAttribute("data-order")).toBe("1");
    expect(errors).toEqual([]);
    await page.close();

    // The served page and its images: no key either.
    const served = await (await fetch(inspector.url)).text();
    const image = Buffer.from(await (await fetch(`${inspector.url}preview/0`)).arrayBuffer()).toString("latin1");
    for (const body of [served, image, inspector.stderr()]) expect(body).not.toContain(KEY);
    expect(served).toContain("sotaocr inspect");
  });
});
