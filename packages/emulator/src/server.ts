import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rename, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { Engine } from "./engine.js";
import { loadEngine } from "./engines/load.js";
import { type FaultDecision, FaultInjector } from "./faults.js";
import { EXTENSIONS } from "./file-type.js";
import { ApiError, drain, isoSeconds, retryAfterValue, sendBytes, sendError, sendJson } from "./http.js";
import { isJobId, type Job, JobQueue } from "./jobs.js";
import { type ReceivedFile, receiveUpload } from "./multipart.js";
import { DEFAULT_API_KEY, type EmulatorOptions, MODEL_PROFILES, type ResolvedOptions, type RouteName, resolveOptions } from "./options.js";
import { expandPageRanges, type PageRange, parsePageRanges } from "./page-ranges.js";
import { RequestLog, type RequestLogEntry } from "./request-log.js";
import { documentPageNumber, RESULT_FORMATS, type ResultFormat, renderResult } from "./results.js";
import { matchRoute } from "./routes.js";
import { VERSION } from "./version.js";

/** A running emulator. */
export interface Emulator {
  /** Base URL to point the client at, e.g. `http://127.0.0.1:8787`. */
  readonly url: string;
  /** The first accepted key (by default the well-known "sotaocr-emulator"). */
  readonly apiKey: string;
  /** Every accepted key; each has its own jobs and balance. */
  readonly apiKeys: readonly string[];
  readonly port: number;
  /** Where uploads are stored: `dataDir`, or the temporary directory `close()` removes. */
  readonly dataDir: string;
  /** Every request the emulator saw, for test assertions. */
  readonly log: RequestLog;
  /** Stops the server and the jobs, closes the engine if the emulator created it, deletes its files. */
  close(): Promise<void>;
}

/**
 * Starts a local SotaOCR-compatible server.
 *
 * ```ts
 * const emulator = await startEmulator({ engine: "synthetic" });
 * const client = new SotaOcrClient({ baseUrl: emulator.url, apiKey: emulator.apiKey });
 * ```
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const config = resolveOptions(options);
  const ownsDataDir = config.dataDir === undefined;
  const dataDir = config.dataDir ?? (await mkdtemp(join(tmpdir(), "sotaocr-emulator-")));
  let engine: { engine: Engine; owned: boolean } | undefined;
  try {
    if (!ownsDataDir) await mkdir(dataDir, { recursive: true });
    engine = await loadEngine(config);
    const emulator = new EmulatorServer(config, dataDir, ownsDataDir, engine.engine, engine.owned);
    await emulator.listen();
    return emulator.toEmulator();
  } catch (error) {
    if (engine?.owned) await engine.engine.close().catch(() => undefined);
    if (ownsDataDir) await rm(dataDir, { recursive: true, force: true }).catch(() => undefined);
    throw error;
  }
}

/** What one API key has: its balance, its idempotency keys, its recent requests. */
interface Account {
  readonly index: number;
  remainingPages: number;
  usedPages: number;
  /** Idempotency-Key → the job it created and what was uploaded. */
  readonly idempotency: Map<string, { jobId: string; fingerprint: string }>;
  /** Arrival times of the requests of the last second (for `requestsPerSecond`). */
  readonly recent: number[];
}

/** A handler's answer, sent after any injected delay. */
type Reply =
  | { status: number; json: unknown; headers?: Record<string, string> }
  | { status: number; bytes: Uint8Array; contentType: string };

interface Context {
  req: IncomingMessage;
  res: ServerResponse;
  entry: RequestLogEntry;
  account: Account;
  fault: FaultDecision | undefined;
  /** Route parameters. */
  jobId: string | undefined;
  page: string | undefined;
  query: URLSearchParams;
}

const MAX_IDEMPOTENCY_KEY = 255;
/** Room for the multipart envelope and small fields when comparing Content-Length with the file limit. */
const MULTIPART_SLACK_BYTES = 64 * 1024;

class EmulatorServer {
  readonly #config: ResolvedOptions;
  readonly #dataDir: string;
  readonly #ownsDataDir: boolean;
  readonly #engine: Engine;
  readonly #ownsEngine: boolean;
  readonly #log = new RequestLog();
  readonly #faults: FaultInjector;
  readonly #accounts: Map<string, Account>;
  readonly #jobs: JobQueue;
  readonly #server: Server;
  /** Aborted by close(): ends injected delays. */
  readonly #closing = new AbortController();
  readonly #inFlight = new Set<Promise<void>>();
  #closed: Promise<void> | undefined;
  #port = 0;

  constructor(config: ResolvedOptions, dataDir: string, ownsDataDir: boolean, engine: Engine, ownsEngine: boolean) {
    this.#config = config;
    this.#dataDir = dataDir;
    this.#ownsDataDir = ownsDataDir;
    this.#engine = engine;
    this.#ownsEngine = ownsEngine;
    this.#faults = new FaultInjector(config.faults);
    this.#accounts = new Map(
      config.apiKeys.map((key, index) => [
        key,
        { index, remainingPages: config.initialBalance, usedPages: 0, idempotency: new Map(), recent: [] },
      ]),
    );
    const accountsByIndex = [...this.#accounts.values()];
    this.#jobs = new JobQueue({
      engine,
      concurrency: config.jobConcurrency,
      ttlMs: config.jobTtlMs,
      onCompleted: (job) => {
        const account = accountsByIndex[job.keyIndex] as Account;
        const pages = job.pageNumbers?.length ?? 0;
        account.usedPages += pages;
        account.remainingPages = Math.max(0, account.remainingPages - pages);
      },
      onDeleted: (job) => {
        const account = accountsByIndex[job.keyIndex] as Account;
        if (job.idempotencyKey && account.idempotency.get(job.idempotencyKey)?.jobId === job.id) {
          account.idempotency.delete(job.idempotencyKey);
        }
      },
    });
    this.#server = createServer({ requestTimeout: 30 * 60_000 }, (req, res) => {
      const handling = this.#handle(req, res).catch(() => {
        if (!res.headersSent) sendError(res, new ApiError(500, "internal_error", "The emulator failed on this request."));
        else res.destroy();
      });
      this.#inFlight.add(handling);
      void handling.finally(() => this.#inFlight.delete(handling));
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(this.#config.port, this.#config.host, () => {
        this.#server.off("error", reject);
        resolve();
      });
    });
    this.#port = (this.#server.address() as AddressInfo).port;
  }

  /** The public face of this server. */
  toEmulator(): Emulator {
    const host = this.#config.host;
    const urlHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
    const apiKeys = [...this.#config.apiKeys];
    return {
      url: `http://${urlHost}:${this.#port}`,
      apiKey: apiKeys[0] ?? DEFAULT_API_KEY,
      apiKeys,
      port: this.#port,
      dataDir: this.#dataDir,
      log: this.#log,
      close: () => this.close(),
    };
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#closing.abort();
      const stopped = new Promise<void>((resolve) => this.#server.close(() => resolve()));
      this.#server.closeAllConnections();
      await stopped;
      await Promise.allSettled([...this.#inFlight]);
      await this.#jobs.close();
      if (this.#ownsEngine) await this.#engine.close().catch(() => undefined);
      if (this.#ownsDataDir) await rm(this.#dataDir, { recursive: true, force: true, maxRetries: 3 }).catch(() => undefined);
    })();
    return this.#closed;
  }

  // ---- request pipeline ----

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const arrival = performance.now();
    res.setHeader("x-request-id", `req_${randomBytes(8).toString("hex")}`);
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://emulator.invalid");
    } catch {
      url = new URL("http://emulator.invalid/");
    }
    const match = matchRoute(req.method ?? "GET", url.pathname);
    const idempotencyHeader = req.headers["idempotency-key"];
    const entry = this.#log.add({
      time: arrival,
      method: req.method ?? "",
      path: url.pathname,
      query: url.search.slice(1),
      route: "route" in match ? match.route : undefined,
      status: undefined,
      durationMs: undefined,
      jobId: "route" in match && match.jobId !== undefined && isJobId(match.jobId) ? match.jobId : undefined,
      keyIndex: undefined,
      idempotencyKey: typeof idempotencyHeader === "string" ? idempotencyHeader : undefined,
      fault: undefined,
      poll: "route" in match && match.route === "job",
    });
    res.once("close", () => this.#finish(entry));
    const isUpload = "route" in match && match.route === "extract";
    if (!isUpload) req.resume(); // other routes ignore any body

    if (!("route" in match)) {
      const error =
        match.allow !== undefined
          ? new ApiError(405, "method_not_allowed", `${req.method} is not allowed on ${url.pathname}; use ${match.allow}.`, {
              allow: match.allow,
            })
          : new ApiError(404, "not_found", `No route ${req.method} ${url.pathname}. See GET /api/v1/info and the API docs.`);
      await this.#sendError(req, res, entry, error);
      return;
    }

    try {
      const account = this.#authenticate(req);
      entry.keyIndex = account.index;
      this.#checkRequestRate(account, arrival);
      if (isUpload) this.#checkDeclaredLength(req);
      const fault = this.#faults.forRequest(match.route);
      if (fault) entry.fault = fault.kind;
      const context: Context = { req, res, entry, account, fault, jobId: match.jobId, page: match.page, query: url.searchParams };
      if (fault?.kind === "reset") {
        req.socket.destroy();
        return;
      }
      if (fault?.kind === "server_error") throw serverError(fault.status);
      if (fault?.kind === "rate_limit") {
        throw new ApiError(
          429,
          "rate_limited",
          "Too many requests (a fault injected by the emulator). Retry after the delay given.",
          {},
          1000,
        );
      }
      const reply = await this.#route(match.route, context, arrival);
      if (reply === undefined) return;
      if (fault?.kind === "slow") await this.#delay(fault.delayMs);
      if ("json" in reply) sendJson(res, reply.status, reply.json, reply.headers);
      else sendBytes(res, reply.status, reply.contentType, reply.bytes);
      answered(entry, res, reply.status);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (entry.fault === "slow") await this.#delay(this.#config.faults.slowMs);
      await this.#sendError(req, res, entry, error);
    }
  }

  #route(route: RouteName, context: Context, arrival: number): Promise<Reply | undefined> | Reply {
    switch (route) {
      case "extract":
        return this.#extract(context);
      case "job":
        return this.#getJob(context, arrival);
      case "result":
        return this.#getResult(context, arrival);
      case "preview":
        return this.#getPreview(context);
      case "balance":
        return { status: 200, json: balanceBody(context.account, this.#config.initialBalance) };
      case "info":
        return { status: 200, json: this.#infoBody() };
    }
  }

  /** Sends an error; for an upload whose body is still arriving, reads a bounded rest first or closes the connection. */
  async #sendError(req: IncomingMessage, res: ServerResponse, entry: RequestLogEntry, error: ApiError): Promise<void> {
    if (res.headersSent || res.destroyed) return;
    const headers: Record<string, string> = { ...error.headers };
    if (error.retryAfterMs !== undefined) headers["retry-after"] = retryAfterValue(error.retryAfterMs, this.#faults.nextRetryAfterForm());
    if (!req.complete && headers.connection !== "close") {
      const drained = await drain(req);
      if (!drained) headers.connection = "close";
    }
    if (res.destroyed) return;
    sendError(res, new ApiError(error.status, error.code, error.message, headers));
    answered(entry, res, error.status);
  }

  /** Logs the request once its connection is done with it; an answer never sent leaves status undefined. */
  #finish(entry: RequestLogEntry): void {
    entry.durationMs ??= performance.now() - entry.time;
    const log = this.#config.log;
    if (!log) return;
    const status = entry.status === undefined ? "dropped" : String(entry.status);
    const parts = [entry.method, entry.path + (entry.query ? `?${entry.query}` : ""), status, `${entry.durationMs.toFixed(1)}ms`];
    if (entry.jobId) parts.push(entry.jobId);
    if (entry.fault) parts.push(`fault=${entry.fault}`);
    log(parts.join(" "));
  }

  #authenticate(req: IncomingMessage): Account {
    const header = req.headers.authorization;
    const match = header === undefined ? undefined : /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) {
      throw new ApiError(
        401,
        "missing_api_key",
        "Send your API key as `Authorization: Bearer <key>` (the emulator's default key is sotaocr-emulator).",
      );
    }
    const account = this.#accounts.get(match[1] as string);
    if (!account) throw new ApiError(401, "invalid_api_key", "This API key is not accepted by this server. Check SOTAOCR_API_KEY.");
    return account;
  }

  #checkRequestRate(account: Account, now: number): void {
    const limit = this.#config.requestsPerSecond;
    if (!Number.isFinite(limit)) return;
    const recent = account.recent;
    while (recent.length > 0 && (recent[0] as number) <= now - 1000) recent.shift();
    if (recent.length >= limit) {
      const waitMs = (recent[0] as number) + 1000 - now;
      throw new ApiError(429, "rate_limited", `More than ${limit} requests per second for this API key. Slow down.`, {}, waitMs);
    }
    recent.push(now);
  }

  /** Refuses an upload whose declared size is surely too large, before reading any of it. */
  #checkDeclaredLength(req: IncomingMessage): void {
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > this.#config.maxUploadBytes + MULTIPART_SLACK_BYTES) {
      throw new ApiError(
        413,
        "file_too_large",
        `The upload (${declared} bytes) is larger than this server accepts (${this.#config.maxUploadBytes} bytes).`,
        {
          connection: "close",
        },
      );
    }
  }

  #delay(ms: number): Promise<void> {
    const signal = this.#closing.signal;
    if (signal.aborted || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener("abort", done, { once: true });
    });
  }

  // ---- routes ----

  async #extract(context: Context): Promise<Reply | undefined> {
    const { req, res, entry, account } = context;
    const idempotencyKey = entry.idempotencyKey;
    if (idempotencyKey !== undefined && (idempotencyKey.length === 0 || idempotencyKey.length > MAX_IDEMPOTENCY_KEY)) {
      throw new ApiError(400, "invalid_idempotency_key", `Idempotency-Key must be 1–${MAX_IDEMPOTENCY_KEY} characters.`);
    }
    const upload = await receiveUpload(req, { dir: this.#dataDir, maxFileBytes: this.#config.maxUploadBytes });
    const file = upload.file;
    if (file) {
      entry.sha256 = file.sha256;
      entry.bytes = file.bytes;
    }
    let job: Job;
    try {
      const checked = this.#checkUpload(file, upload.fields);
      const fingerprint = JSON.stringify([checked.file.sha256, checked.pageRanges ?? null, checked.modelProfile]);
      if (idempotencyKey !== undefined) {
        const replay = this.#replay(account, idempotencyKey, fingerprint);
        if (replay) {
          await rm(checked.file.path, { force: true });
          entry.jobId = replay.id;
          if (context.fault?.kind === "ambiguous_upload") {
            res.socket?.destroy();
            return undefined;
          }
          return { status: 200, json: uploadBody(replay), headers: { "idempotent-replayed": "true" } };
        }
      }
      if (account.remainingPages <= 0) {
        throw new ApiError(402, "insufficient_balance", "This API key has no pages left (GET /v1/balance).");
      }
      if (this.#jobs.activeCount(account.index) >= this.#config.maxActiveJobsPerKey) {
        throw new ApiError(
          429,
          "too_many_active_jobs",
          `This API key already has ${this.#config.maxActiveJobsPerKey} jobs pending or running; wait for one to finish.`,
          {},
          1000,
        );
      }
      job = this.#jobs.add({
        keyIndex: account.index,
        dir: "",
        filePath: "",
        fileType: checked.fileType,
        sha256: checked.file.sha256,
        bytes: checked.file.bytes,
        pageRanges: checked.pageRanges,
        modelProfile: checked.modelProfile,
        injectedFailure: this.#faults.failsJob(checked.file.sha256),
        idempotencyKey,
      });
      // Registered before any await, so a concurrent retry with the same key finds this job.
      if (idempotencyKey !== undefined) account.idempotency.set(idempotencyKey, { jobId: job.id, fingerprint });
      const dir = join(this.#dataDir, job.id);
      const path = join(dir, `document.${EXTENSIONS[checked.fileType]}`);
      Object.assign(job, { dir, filePath: path });
      await mkdir(dir, { recursive: true });
      await rename(checked.file.path, path);
    } catch (error) {
      if (file) await rm(file.path, { force: true }).catch(() => undefined);
      throw error;
    }
    entry.jobId = job.id;
    this.#jobs.start(job);
    if (context.fault?.kind === "ambiguous_upload") {
      res.socket?.destroy();
      return undefined;
    }
    return { status: 200, json: uploadBody(job) };
  }

  #checkUpload(file: ReceivedFile | undefined, fields: Map<string, string>) {
    if (!file) throw new ApiError(400, "missing_file", 'No file: send the document as the multipart part "file" (with a filename).');
    if (file.bytes === 0) throw new ApiError(400, "empty_file", "The file is empty (0 bytes).");
    if (!file.fileType) {
      throw new ApiError(415, "unsupported_file_type", "The file is not a PDF, PNG or JPEG (judged by its first bytes).");
    }
    const rangesField = fields.get("page_ranges");
    const pageRanges: PageRange[] | undefined =
      rangesField === undefined || rangesField.trim() === "" ? undefined : parsePageRanges(rangesField);
    const modelProfile = fields.get("model_profile") || (MODEL_PROFILES[0] as string);
    if (!MODEL_PROFILES.includes(modelProfile)) {
      throw new ApiError(
        400,
        "invalid_model_profile",
        `Unknown model_profile ${JSON.stringify(modelProfile)}; use one of ${MODEL_PROFILES.join(", ")} (GET /api/v1/info).`,
      );
    }
    return { file, fileType: file.fileType, pageRanges, modelProfile };
  }

  /** The job an earlier upload with this Idempotency-Key created, or 409 if it uploaded something else. */
  #replay(account: Account, key: string, fingerprint: string): Job | undefined {
    const record = account.idempotency.get(key);
    if (!record) return undefined;
    const job = this.#jobs.get(record.jobId, account.index);
    if (!job) {
      account.idempotency.delete(key);
      return undefined;
    }
    if (record.fingerprint !== fingerprint) {
      throw new ApiError(
        409,
        "idempotency_key_reused",
        `Idempotency-Key ${JSON.stringify(key)} was already used for a different upload (job ${job.id}); use a new key for a new upload.`,
      );
    }
    return job;
  }

  #getJob(context: Context, arrival: number): Reply {
    const job = this.#findJob(context);
    this.#acceptPoll(job, arrival);
    return { status: 200, json: jobBody(job) };
  }

  #getResult(context: Context, arrival: number): Reply {
    const formatParam = context.query.get("format") ?? "json";
    if (!RESULT_FORMATS.includes(formatParam as ResultFormat)) {
      throw new ApiError(400, "invalid_format", `format must be json, markdown or text, not ${JSON.stringify(formatParam)}.`);
    }
    const format = formatParam as ResultFormat;
    const job = this.#findJob(context);
    if (job.status === "failed") throw jobFailed(job);
    if (job.status !== "completed") {
      context.entry.poll = true;
      this.#acceptPoll(job, arrival);
      throw new ApiError(
        202,
        "result_not_ready",
        `Job ${job.id} is ${job.status} (${job.pagesCompleted}/${job.pageNumbers?.length ?? "?"} pages): poll GET /v1/jobs/${job.id} until it is completed.`,
      );
    }
    return { status: 200, json: renderResult(job, format, this.#config.resultShape, this.#config.pageNumbering) };
  }

  async #getPreview(context: Context): Promise<Reply> {
    const job = this.#findJob(context);
    const text = context.page ?? "";
    const number = /^[1-9]\d{0,8}$/.test(text) ? Number(text) : undefined;
    const pageNotFound = () => new ApiError(404, "page_not_found", `Job ${job.id} has no page ${JSON.stringify(text)}.`);
    if (number === undefined) throw pageNotFound();
    const pageNumber = documentPageNumber(job, number, this.#config.pageNumbering);
    const inJob = job.pageNumbers ?? (job.pageRanges ? expandPageRanges(job.pageRanges) : undefined);
    if (pageNumber === undefined || (inJob !== undefined && !inJob.includes(pageNumber))) throw pageNotFound();
    if (!job.pages.has(pageNumber)) {
      if (job.status === "failed") throw jobFailed(job);
      if (job.status === "completed") throw pageNotFound();
      throw new ApiError(202, "result_not_ready", `Page ${number} of job ${job.id} has not been read yet.`);
    }
    const document = await this.#engine.open(job.filePath, job.fileType, this.#closing.signal);
    try {
      return { status: 200, bytes: await document.previewPage(pageNumber), contentType: "image/png" };
    } finally {
      await document.close().catch(() => undefined);
    }
  }

  #findJob(context: Context): Job {
    const id = context.jobId ?? "";
    const job = this.#jobs.get(id, context.account.index);
    if (!job) {
      throw new ApiError(
        404,
        "job_not_found",
        isJobId(id)
          ? `Job ${id} does not exist for this API key (it may have expired or belong to another key).`
          : "No such job: job ids look like job_ followed by 24 hex digits.",
      );
    }
    return job;
  }

  /** Applies the once-per-interval poll rule; rejected polls do not move the window. */
  #acceptPoll(job: Job, arrival: number): void {
    const interval = this.#config.pollIntervalMs;
    if (job.lastPollAt !== undefined && arrival - job.lastPollAt < interval) {
      throw new ApiError(
        429,
        "rate_limited",
        `Poll job ${job.id} at most once every ${interval} ms (the API's limit is once per second).`,
        {},
        job.lastPollAt + interval - arrival,
      );
    }
    job.lastPollAt = arrival;
  }

  #infoBody() {
    return {
      model_profiles: [...MODEL_PROFILES],
      default_model_profile: MODEL_PROFILES[0],
      emulator: {
        version: VERSION,
        engine: this.#engine.name,
        result_shape: this.#config.resultShape,
        page_numbering: this.#config.pageNumbering,
        max_upload_bytes: this.#config.maxUploadBytes,
        poll_interval_ms: this.#config.pollIntervalMs,
      },
    };
  }
}

/**
 * Records the status in the log as the answer is handed to the connection (before the client can
 * have it, so a test that got its answer finds the entry complete).
 */
function answered(entry: RequestLogEntry, res: ServerResponse, status: number): void {
  if (res.destroyed) return; // the client left before the answer
  entry.status = status;
  entry.durationMs = performance.now() - entry.time;
}

function uploadBody(job: Job) {
  return { id: job.id, status: job.status, page_count: job.pageNumbers?.length ?? 0, created_at: isoSeconds(job.createdAt) };
}

function jobBody(job: Job) {
  return {
    id: job.id,
    status: job.status,
    page_count: job.pageNumbers?.length ?? 0,
    pages_completed: job.pagesCompleted,
    created_at: isoSeconds(job.createdAt),
    ...(job.error ? { error: { ...job.error } } : {}),
  };
}

function balanceBody(account: Account, initial: number) {
  const remaining = account.remainingPages;
  const allowance = { total: initial, allocated: account.usedPages, remaining };
  return {
    entity_code: "scan_page",
    remaining_pages: remaining,
    total_affordable_pages: remaining,
    monthly_pages: allowance,
    lifetime_pages: { ...allowance },
    tokens: { total: 0, allocated: 0, remaining: 0, affordable_pages: 0 },
    token_price: 10,
  };
}

function jobFailed(job: Job): ApiError {
  const reason = job.error ? `${job.error.code}: ${job.error.message}` : "unknown reason";
  return new ApiError(409, "job_failed", `Job ${job.id} failed (${reason}); it has no result.`);
}

function serverError(status: 500 | 502 | 503): ApiError {
  if (status === 503) {
    return new ApiError(503, "service_unavailable", "The service is briefly unavailable (a fault injected by the emulator).", {}, 1000);
  }
  if (status === 502) return new ApiError(502, "bad_gateway", "Bad gateway (a fault injected by the emulator).");
  return new ApiError(500, "internal_error", "Internal error (a fault injected by the emulator).");
}
