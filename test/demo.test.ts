import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const ROOT = new URL("..", import.meta.url).pathname;

describe("pnpm demo", () => {
  it("works with no network at all (loopback only) and no key: emulator in-process, one Document per page", async () => {
    // A new network namespace with only loopback up: any attempt to reach the internet fails.
    const { stdout } = await promisify(execFile)("unshare", ["-n", "sh", "-c", "ip link set lo up && pnpm demo"], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", CI: "true" },
      timeout: 120_000,
    });
    expect(stdout).toMatch(/No SOTAOCR_API_KEY: using the local emulator at http:\/\/127\.0\.0\.1:\d+/);
    // Every sample: a text PDF, its scanned copy, a mixed PDF, a PNG and a JPEG.
    expect(stdout).toMatch(/report\.pdf: completed 3\/3 pages/);
    expect(stdout).toMatch(/13 Documents \(one per page\)/);
    expect(stdout).toMatch(/ report\.pdf p\.2\/3 +\d+ chars {2}# Solar Panel Maintenance/);
    expect(stdout).toMatch(/report-scanned\.pdf p\.3\/3 +\d+ chars {2}# Hiking Trail Guide/);
    expect(stdout).toMatch(/mixed\.pdf p\.4\/4 +\d+ chars {2}# Bicycle Safety Checklist/);
    expect(stdout).toMatch(/page\.png p\.1\/1 +\d+ chars {2}# Corner Bakery/);
    expect(stdout).toMatch(/page\.jpg p\.1\/1 +\d+ chars {2}# Memo: Office Move/);
    expect(stdout).toMatch(/"pageNumber": 1/);
  }, 120_000);
});
