import { RedirectError } from "../errors.js";

/** A 3xx answer, ready to turn into a `RedirectError`. */
export interface Redirect {
  status: number;
  headers: Record<string, string>;
  /** The URL asked for; a relative Location is resolved against it. */
  url: URL;
  /** The API path asked for, e.g. "/v1/jobs/job_1", to tell which base URL the target implies. */
  path: string;
  /** e.g. "GET /v1/jobs/job_1", for the message. */
  what: string;
  jobId?: string | undefined;
  /** Removes secrets from text the server sent back. */
  redact: (text: string) => string;
}

/**
 * The error for a 3xx. The client never follows a redirect (the request carries the API key, and
 * an upload's body cannot be sent twice) nor takes one for an answer: it says where the server
 * pointed, without credentials, query or fragment, and which base URL that implies.
 */
export function redirectError({ status, headers, url, path, what, jobId, redact }: Redirect): RedirectError {
  const target = headers.location ? readLocation(headers.location, url) : undefined;
  const location = target && redact(target.href);
  // A target ending in the path asked for names the base URL to use (https for http, another host).
  const apiPath = `/${path.replace(/^\//, "")}`;
  const base = location?.endsWith(apiPath) ? location.slice(0, -apiPath.length) : undefined;
  const where = location ? ` to ${location}` : " (no Location given)";
  const fix = base ? `: "${base}"` : "";
  const message =
    `SotaOCR redirected ${what}${where} (${status}). Redirects are not followed, since they would carry the API key along: ` +
    `set baseUrl / SOTAOCR_BASE_URL to where the API is served${fix}.`;
  const safeHeaders = { ...headers };
  if (location) safeHeaders.location = location;
  else delete safeHeaders.location;
  return new RedirectError(message, { status, headers: safeHeaders, jobId, location });
}

function readLocation(value: string, requested: URL): URL | undefined {
  if (!URL.canParse(value, requested.href)) return undefined;
  const target = new URL(value, requested);
  target.username = "";
  target.password = "";
  target.search = "";
  target.hash = "";
  return target;
}
