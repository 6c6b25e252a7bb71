import { describe, expect, it } from "vitest";
import { redirectError } from "./redirect-error.js";

const redirect = (location: string | undefined, url = "http://api.test/v1/balance") => {
  const headers: Record<string, string> = location === undefined ? {} : { location };
  return redirectError({ status: 302, headers, url: new URL(url), path: "/v1/balance", what: "GET /v1/balance", redact: (t) => t });
};

describe("redirectError", () => {
  it("names the base URL the target implies, keeping a path prefix", () => {
    const error = redirect("https://proxy.test/ocr/v1/balance?sig=1");
    expect(error.location).toBe("https://proxy.test/ocr/v1/balance");
    expect(error.message).toContain('set baseUrl / SOTAOCR_BASE_URL to where the API is served: "https://proxy.test/ocr"');
    expect(error.headers?.location).toBe("https://proxy.test/ocr/v1/balance");
  });

  it("says so when there is no usable Location, and suggests nothing it cannot know", () => {
    const none = redirect(undefined);
    expect(none.message).toMatch(/redirected GET \/v1\/balance \(no Location given\) \(302\)/);
    expect(none.location).toBeUndefined();
    expect(redirect("https://elsewhere.test/login").message).toMatch(/to https:\/\/elsewhere\.test\/login \(302\).*is served\.$/);
  });
});
