import {
  AbortError,
  APIConnectionError,
  APIError,
  AuthenticationError,
  BadRequestError,
  DEFAULT_BASE_URL,
  FileChangedError,
  InsufficientBalanceError,
  InternalServerError,
  InvalidInputError,
  InvalidResponseError,
  JobFailedError,
  MissingApiKeyError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  RedirectError,
  ResponseTooLargeError,
  type SotaOcrError,
  TimeoutError,
} from "@sotaocr/core";
import type { GlobalOptions } from "./context.js";

/**
 * What a run knows that turns an error of @sotaocr/core, whose messages speak to programmers
 * (`client.waitForJob(...)`, `pass { apiKey }`, `idempotencyKey`), into advice in the CLI's own
 * commands and flags.
 */
export interface RunFacts {
  /** Where the API key came from; undefined: nowhere. */
  keyFrom: "--api-key" | "SOTAOCR_API_KEY" | undefined;
  /** Why the key given cannot be an API key, when it cannot (the error does not say in a field). */
  keyProblem: string | undefined;
  /** The service URL in use, as given, without credentials. */
  baseUrl: string;
  /** Where it came from; undefined: the default. */
  baseUrlFrom: "--base-url" | "SOTAOCR_BASE_URL" | undefined;
  /** The command's --timeout, as given, when it waits on jobs. */
  timeout?: string | undefined;
  /** --cache is on: a rerun resumes jobs and sends uncertain uploads again with the same Idempotency-Key. */
  cache?: boolean | undefined;
  /** The command takes --concurrency. */
  concurrency?: boolean | undefined;
  /** The command that fetches a job's result as this run asked for it, without uploading. */
  fetchLater?: ((jobId: string) => string) | undefined;
  /** The command that runs this file again, as the run did (extract). */
  again?: string | undefined;
}

/** The facts every command shares: where the key and the service URL come from. */
export function runFacts(options: Pick<GlobalOptions, "apiKey" | "baseUrl">, env: NodeJS.ProcessEnv = process.env): RunFacts {
  // As the client reads them: the flag, else the variable (an empty flag still wins).
  const key = options.apiKey ?? env.SOTAOCR_API_KEY;
  const keyFrom = options.apiKey !== undefined ? "--api-key" : env.SOTAOCR_API_KEY !== undefined ? "SOTAOCR_API_KEY" : undefined;
  const baseUrl = options.baseUrl ?? (env.SOTAOCR_BASE_URL || DEFAULT_BASE_URL);
  const baseUrlFrom = options.baseUrl !== undefined ? "--base-url" : env.SOTAOCR_BASE_URL ? "SOTAOCR_BASE_URL" : undefined;
  return { keyFrom, keyProblem: key === undefined ? undefined : keyProblemOf(key), baseUrl: withoutCredentials(baseUrl), baseUrlFrom };
}

/** Why a key cannot be an API key (the client refuses it before sending), if it cannot; blank counts as none. */
function keyProblemOf(key: string): string | undefined {
  if (key.trim() === "") return undefined;
  if (/[^\x21-\x7e]/.test(key)) return "has spaces, line breaks or other characters no API key has";
  return key.length < 6 ? "is shorter than any API key" : undefined;
}

function withoutCredentials(url: string): string {
  if (!URL.canParse(url)) return url;
  const parsed = new URL(url);
  if (!parsed.username && !parsed.password) return url;
  parsed.username = "";
  parsed.password = "";
  return parsed.href;
}

/**
 * The message of a library error in the CLI's terms, from its class and fields (`status`, the
 * server's `code` and message, `jobId`, `mayHaveCreatedJob`, …); undefined when the library's own
 * message already reads right on a command line.
 */
export function inCliTerms(error: SotaOcrError, facts: RunFacts): string | undefined {
  // Checked as `unknown`: classes without fields of their own look alike to TypeScript, and a
  // failed check would otherwise narrow the error to `never`.
  const e: unknown = error;
  if (e instanceof MissingApiKeyError) return missingKey(facts);
  if (e instanceof InvalidInputError) return badInput(e, facts);
  if (e instanceof JobFailedError) return jobFailed(e, facts);
  if (e instanceof APIError) return apiError(e, facts);
  if (e instanceof APIConnectionError) return connectionFailed(e, facts);
  if (e instanceof TimeoutError) return timedOut(e, facts);
  if (e instanceof AbortError) {
    if (e.jobId) return `Stopped waiting. ${capital(stillRunning(e.jobId, facts))}.`;
    if (e.mayHaveCreatedJob) return `Stopped after the whole file was sent. ${mayHaveCreatedJob(facts, e.idempotencyKey)}`;
    return "Stopped before a job was known to exist: there is nothing to fetch later; run the command again.";
  }
  return undefined;
}

function missingKey(facts: RunFacts): string {
  if (facts.keyProblem) return `${keyPhrase(facts, "The")} is not an API key: it ${facts.keyProblem}. Copy it again from your account.`;
  const none = facts.keyFrom ? `${facts.keyFrom} is empty` : "No API key";
  return `${none}: pass --api-key <key> or set SOTAOCR_API_KEY. To try the CLI offline, run \`sotaocr emulator\` and set the variables it prints.`;
}

function badInput(error: InvalidInputError, facts: RunFacts): string | undefined {
  const source = error.source ?? "The file";
  if ((error as unknown) instanceof FileChangedError) {
    // (`as unknown`: see inCliTerms.) `detail` says what changed, e.g. "its size went from 10 to 12 bytes".
    const change = (error as unknown as FileChangedError).detail;
    const rerun = facts.again ? `run \`${facts.again}\`` : "run the command again";
    return (
      `${source} changed while it was being read to be sent${change ? ` (${change})` : ""}: no job was created, nothing was billed. ` +
      `Once whatever writes it has finished (or have it write elsewhere and rename the file into place), ${rerun}.`
    );
  }
  if (error.reason === "is_directory")
    return `${source} is a folder, not a file: pass the files in it, or a quoted pattern such as '${source}/**/*.pdf'.`;
  if (error.reason === "unreadable" && error.cause === undefined)
    return `${source} is not a regular file (a FIFO, socket or device): save what it holds to a file and pass that.`;
  return undefined; // "File not found: …", "… is empty", "… looks like a GIF …": already the CLI's words
}

function jobFailed(error: JobFailedError, facts: RunFacts): string {
  const again = facts.again ? `run \`${facts.again}\`` : "upload it again with `sotaocr extract`";
  const advice = new Map([
    ["encrypted_pdf", "The PDF is password-protected: save a copy without the password and OCR that."],
    ["page_range_out_of_bounds", "The --pages ranges go beyond the document: check its page count and --pages."],
    ["insufficient_balance", `The account ran out of pages: check with \`sotaocr balance\`, top up, then ${again}.`],
    ["invalid_pdf", "The file could not be read as a PDF: check that it opens locally, or export it again."],
    ["invalid_image", "The file could not be read as an image: check that it opens locally, or export it again."],
  ]);
  const what = `Job ${error.jobId} ended as "${error.status}"${said(error.code, error.serverMessage)}.`;
  return `${what} ${advice.get(error.code ?? "") ?? `The file was not processed: check that it opens locally, then ${again}.`}`;
}

function apiError(error: APIError, facts: RunFacts): string {
  const e: unknown = error; // see inCliTerms
  const answered = `SotaOCR answered ${error.status}${said(error.code, error.serverMessage)}`;
  if (e instanceof RedirectError) return redirected(e, facts);
  if (error.headers?.["content-type"]?.includes("text/html"))
    return `${answered}: that is a web page, not the SotaOCR API: check ${urlSettings(facts)}.`;
  const job = error.jobId;
  if (e instanceof InvalidResponseError) {
    // What is wrong with the answer is only in the message: its first sentence, before the library's advice.
    const what = firstSentence(error.message);
    if (e instanceof ResponseTooLargeError && job) return `${what} OCR the document in parts with --pages.`;
    if (job) return `${what} Try \`${fetchLater(job, facts)}\` again later; if it keeps happening, report it with what --verbose prints.`;
    return `${what} Check ${urlSettings(facts)}: it may point at something other than SotaOCR.`;
  }
  if (e instanceof AuthenticationError) {
    const service = facts.baseUrlFrom ? ` Keys belong to a service: this one is ${facts.baseUrl} (${facts.baseUrlFrom}).` : "";
    return `${answered}: ${keyPhrase(facts, "the")} was refused. Check it (\`sotaocr balance\` tries a key), or pass another with --api-key.${service}`;
  }
  if (e instanceof InsufficientBalanceError) {
    if (e.cause instanceof InsufficientBalanceError) {
      const refusal = e.cause;
      return (
        `Not uploaded: an earlier file was refused with ${refusal.status}${said(refusal.code, refusal.serverMessage)}, the account has no pages left. ` +
        "Check with `sotaocr balance`, top up, then run the files that were not done again."
      );
    }
    const created = job ? "" : ", so no job was created";
    const fewer = facts.again ? " (or OCR fewer pages with --pages)" : "";
    return `${answered}: the account has no pages left for this${created}. Check with \`sotaocr balance\`, top up${fewer}, then run it again.`;
  }
  if (e instanceof PermissionDeniedError) return `${answered}: ${keyPhrase(facts, "the")} may not do this: check the account and its plan.`;
  if (e instanceof NotFoundError) {
    if (job)
      return `${answered}: job ${job} is not known to ${facts.baseUrl} for ${keyPhrase(facts, "the")}: it may have expired, or belong to another key or service.`;
    return `${answered}: no SotaOCR API answers there: check ${urlSettings(facts)}.`;
  }
  if (e instanceof RateLimitError) {
    const wait = e.retryAfterMs ? ` (it asked to wait ${Math.ceil(e.retryAfterMs / 1000)} s)` : "";
    const advice = `too many requests or jobs at once${wait}. ${facts.concurrency ? "Lower --concurrency, or try" : "Try"} again later`;
    return `${answered}: ${advice}${job ? `; ${stillRunning(job, facts)}` : ""}.`;
  }
  if (e instanceof BadRequestError) {
    const about = `${error.code ?? ""} ${error.serverMessage ?? ""}`.toLowerCase();
    const hint = about.includes("page")
      ? "Check --pages."
      : about.includes("profile") || about.includes("model")
        ? "`sotaocr info` lists the --model-profile values."
        : "Fix what SotaOCR names, then run it again.";
    return `${answered}: the request was rejected. ${hint}`;
  }
  if (error.status === 413) return `${answered}: the file is larger than SotaOCR takes: split it, or OCR part of it with --pages.`;
  if (error.status === 415) return `${answered}: SotaOCR does not take this type of file: send a PDF, PNG or JPEG.`;
  const request = error.requestId ? ` (request id ${error.requestId})` : "";
  if (e instanceof InternalServerError) {
    // An upload is the one request of a file that names no job: a server error after it may have created one (503 says it did not).
    if (!job && facts.again && error.status !== 503)
      return `${answered}${request} after the whole file was sent. ${mayHaveCreatedJob(facts)}`;
    return `${answered}${request}: the service had a problem; ${job ? stillRunning(job, facts) : "try again later"}.`;
  }
  return `${answered}${request}${job ? `; ${stillRunning(job, facts)}` : ""}.`;
}

function redirected(error: RedirectError, facts: RunFacts): string {
  const to = error.location ? `, a redirect to ${error.location}` : ", a redirect (to no stated place)";
  const what = `SotaOCR answered ${error.status}${to}, which is not followed (it would carry the API key along)`;
  const base = error.location && apiBaseOf(error.location);
  if (!base) return `${what}: point ${urlSettings(facts)} to where the API is served.`;
  const fix =
    facts.baseUrlFrom === "SOTAOCR_BASE_URL"
      ? `set SOTAOCR_BASE_URL=${base}`
      : `pass --base-url ${base}${facts.baseUrlFrom ? "" : " (or set SOTAOCR_BASE_URL)"}`;
  return `${what}: ${fix} if that is where the API is served.`;
}

/** The base URL a redirect target implies: what comes before the API's path (`/v1/…`, `/api/v1/…`). */
function apiBaseOf(location: string): string | undefined {
  if (!URL.canParse(location)) return undefined;
  const url = new URL(location);
  const at = url.pathname.search(/(?:\/api)?\/v1\//);
  return at < 0 ? undefined : `${url.origin}${url.pathname.slice(0, at)}`;
}

function connectionFailed(error: APIConnectionError, facts: RunFacts): string {
  const reason = failureOf(error.cause);
  if (error.mayHaveCreatedJob)
    return `The connection to SotaOCR at ${facts.baseUrl} failed after the whole file was sent (${reason}). ${mayHaveCreatedJob(facts, error.idempotencyKey)}`;
  if (error.jobId) return `The connection to SotaOCR at ${facts.baseUrl} failed (${reason}); ${stillRunning(error.jobId, facts)}.`;
  return `Could not reach SotaOCR at ${facts.baseUrl} (${reason}): check the network and ${urlSettings(facts)}.`;
}

function timedOut(error: TimeoutError, facts: RunFacts): string {
  // The job's deadline (the command's --timeout) carries what it cut short as its cause; one request's own limit does not.
  const deadline = facts.timeout !== undefined && error.cause !== undefined;
  if (error.jobId) {
    const what = deadline ? `Job ${error.jobId} did not finish within ${facts.timeout} (--timeout).` : `SotaOCR did not answer in time.`;
    return `${what} ${capital(stillRunning(error.jobId, facts))}${deadline ? "; or give it longer with --timeout" : ""}.`;
  }
  // The deadline cut off a request that had sent the whole file: a lost connection, or the upload itself aborted.
  const uncertain = findCause(
    error,
    (cause) => (cause instanceof APIConnectionError || cause instanceof AbortError) && cause.mayHaveCreatedJob === true,
  );
  if (deadline) {
    const key = uncertain instanceof APIConnectionError || uncertain instanceof AbortError ? uncertain.idempotencyKey : undefined;
    const outcome = uncertain
      ? mayHaveCreatedJob(facts, key)
      : `No job was created: ${facts.again ? `run \`${facts.again}\`` : "run it again"} with a longer --timeout.`;
    return `The upload did not finish within ${facts.timeout} (--timeout)${uncertain ? ", after the whole file was sent" : ""}. ${outcome}`;
  }
  return `SotaOCR at ${facts.baseUrl} did not answer in time: check the network and ${urlSettings(facts)}.`;
}

/** What to do after an upload that failed once all of it was sent. */
function mayHaveCreatedJob(facts: RunFacts, idempotencyKey?: string): string {
  const mayExist = "SotaOCR may have created a job all the same, and billed it";
  if (facts.cache) {
    const key = idempotencyKey ? ` (${idempotencyKey})` : "";
    return `${mayExist}. Run the same command again: --cache sends the upload again with the same Idempotency-Key${key}, so SotaOCR answers with that job rather than making another.`;
  }
  return (
    `${mayExist}${idempotencyKey ? ` (Idempotency-Key ${idempotencyKey})` : ""}. Running again uploads anew and may bill the file twice: \`sotaocr balance\` shows whether pages were taken. ` +
    "With --cache, a rerun sends such an upload again with the same Idempotency-Key, so no job is made twice."
  );
}

/** "job X keeps running on the server: fetch its result later with `…` (no new upload)". */
function stillRunning(jobId: string, facts: RunFacts): string {
  const resume = facts.cache ? ", or run the same command again (--cache resumes it)" : "";
  return `job ${jobId} keeps running on the server: fetch its result later with \`${fetchLater(jobId, facts)}\` (no new upload)${resume}`;
}

const fetchLater = (jobId: string, facts: RunFacts) => facts.fetchLater?.(jobId) ?? `sotaocr jobs result ${jobId}`;

/** "the API key given with --api-key", "the API key in SOTAOCR_API_KEY". */
function keyPhrase(facts: RunFacts, article: string): string {
  if (facts.keyFrom === "--api-key") return `${article} API key given with --api-key`;
  return facts.keyFrom ? `${article} API key in ${facts.keyFrom}` : `${article} API key`;
}

const urlSettings = (facts: RunFacts) => `--base-url / SOTAOCR_BASE_URL (it is ${facts.baseUrl})`;

/** " (code: message)" from the server's own words, when it sent any. */
function said(code: string | undefined, message: string | undefined): string {
  const words = [code, message].filter(Boolean).join(": ");
  return words ? ` (${words})` : "";
}

/** Why a connection failed, from its cause: the system's message and code ("connect ECONNREFUSED … (ECONNREFUSED)"). */
function failureOf(cause: unknown): string {
  if (!(cause instanceof Error)) return "no answer in time";
  const inner = cause.cause as { code?: unknown } | undefined;
  const code = (cause as { code?: unknown }).code ?? inner?.code;
  return typeof code === "string" && !cause.message.includes(code) ? `${cause.message} (${code})` : cause.message;
}

function findCause(error: Error, test: (cause: unknown) => boolean): unknown {
  let cause: unknown = error.cause;
  for (let depth = 0; cause !== undefined && depth < 8; depth++) {
    if (test(cause)) return cause;
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return undefined;
}

const firstSentence = (text: string) => /^.*?\.(?=\s|$)/s.exec(text)?.[0] ?? text;
const capital = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
