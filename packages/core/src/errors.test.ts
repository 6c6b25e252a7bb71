import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import {
  AbortError,
  APIError,
  DownloadError,
  FileChangedError,
  InvalidInputError,
  isSotaOcrError,
  NotFoundError,
  RateLimitError,
  SotaOcrError,
  TimeoutError,
} from "./errors.js";

describe("errors", () => {
  const notFound = new NotFoundError("gone", { status: 404, code: "job_not_found", jobId: "job_1", headers: { a: "b" } });

  it("carry their class name, status, code and job id", () => {
    expect(notFound).toBeInstanceOf(APIError);
    expect(notFound).toBeInstanceOf(SotaOcrError);
    expect(notFound.name).toBe("NotFoundError");
    expect(String(notFound)).toBe("NotFoundError: gone");
    expect(notFound.stack?.split("\n")[0]).toBe("NotFoundError: gone");
    expect([notFound.status, notFound.code, notFound.jobId]).toEqual([404, "job_not_found", "job_1"]);
  });

  it("serialise to JSON with their fields and name, without response headers", () => {
    expect(JSON.parse(JSON.stringify(notFound))).toEqual({
      name: "NotFoundError",
      message: "gone",
      status: 404,
      code: "job_not_found",
      jobId: "job_1",
    });
    expect(notFound.headers).toEqual({ a: "b" });
  });

  it("isInstance follows the class tree", () => {
    expect(APIError.isInstance(notFound)).toBe(true);
    expect(NotFoundError.isInstance(notFound)).toBe(true);
    expect(RateLimitError.isInstance(notFound)).toBe(false);
    expect(TimeoutError.isInstance(new AbortError("x"))).toBe(false);
    expect(SotaOcrError.isInstance(new Error("plain"))).toBe(false);
    expect(isSotaOcrError({ name: "SotaOcrError" })).toBe(false);
  });

  it("isInstance is there for subclasses whose constructors take other arguments, and narrows to them", () => {
    const download: unknown = new DownloadError("too big", "https://example.test/a.pdf", "too_large", { limitBytes: 10 });
    expect(DownloadError.isInstance(download) && download.limitBytes).toBe(10);
    expect(InvalidInputError.isInstance(download)).toBe(true);
    expect(FileChangedError.isInstance(download)).toBe(false);
  });

  it("are recognised across duplicate copies of the package (ESM and CJS builds are two copies)", async () => {
    const cjs = createRequire(import.meta.url)("../dist/index.cjs") as typeof import("./errors.js");
    const foreign = new cjs.NotFoundError("from the other copy", { status: 404 });
    expect(foreign instanceof NotFoundError).toBe(false); // two classes…
    expect(isSotaOcrError(foreign)).toBe(true); // …one brand
    expect(NotFoundError.isInstance(foreign)).toBe(true);
    expect(APIError.isInstance(foreign)).toBe(true);
    expect(RateLimitError.isInstance(foreign)).toBe(false);
    expect(cjs.isSotaOcrError(notFound)).toBe(true);
  });
});
