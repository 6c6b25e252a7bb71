import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Duplex } from "node:stream";
import { type Account, billPages, createAccounts } from "./accounts.js";
import type { Engine } from "./engine.js";
import { loadEngine } from "./engines/load.js";
import { FaultInjector } from "./faults.js";
import { ApiError, sendError } from "./http.js";
import { JobQueue } from "./jobs.js";
import { DEFAULT_API_KEY, type EmulatorOptions, type ResolvedOptions, resolveOptions } from "./options.js";
import { answerClientError, handleRequest, type PipelineState } from "./pipeline.js";
import { RequestLog } from "./request-log.js";

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
  /** The requests the emulator saw (the newest `maxLogEntries`), for test assertions. */
  readonly log: RequestLog;
  /**
   * The most jobs the key (by its index in `apiKeys`) had pending or running at once since the
   * server started: what a client sharing the key's active-job limit must keep under it.
   */
  peakActiveJobs(keyIndex?: number): number;
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

/** The HTTP server, its jobs and its lifecycle; requests go through `handleRequest`. */
class EmulatorServer {
  readonly #config: ResolvedOptions;
  readonly #dataDir: string;
  readonly #ownsDataDir: boolean;
  readonly #engine: Engine;
  readonly #ownsEngine: boolean;
  readonly #log: RequestLog;
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
    this.#log = new RequestLog(config.maxLogEntries);
    const accounts = createAccounts(config.apiKeys, config.initialBalance);
    const accountsByIndex = [...accounts.values()];
    this.#jobs = new JobQueue({
      engine,
      concurrency: config.jobConcurrency,
      ttlMs: config.jobTtlMs,
      onCompleted: (job) => billPages(accountsByIndex[job.keyIndex] as Account, job.pageNumbers?.length ?? 0),
      onDeleted: (job) => {
        const account = accountsByIndex[job.keyIndex] as Account;
        if (job.idempotencyKey && account.idempotency.get(job.idempotencyKey)?.jobId === job.id) {
          account.idempotency.delete(job.idempotencyKey);
        }
      },
    });
    const state: PipelineState = {
      config,
      dataDir,
      engine,
      jobs: this.#jobs,
      faults: new FaultInjector(config.faults),
      closing: this.#closing.signal,
      log: this.#log,
      accounts,
    };
    const serverOptions = {
      requestTimeout: config.requestTimeoutMs,
      headersTimeout: config.headersTimeoutMs,
      // Node enforces both timeouts on this period (30 s by default, longer than the headers' own limit).
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(config.headersTimeoutMs / 4))),
    };
    this.#server = createServer(serverOptions, (req, res) => {
      const handling = handleRequest(state, req, res).catch(() => {
        if (!res.headersSent) sendError(res, new ApiError(500, "internal_error", "The emulator failed on this request."));
        else res.destroy();
      });
      this.#inFlight.add(handling);
      void handling.finally(() => this.#inFlight.delete(handling));
    });
    // Beyond it, Node closes a new connection as soon as it is accepted.
    this.#server.maxConnections = config.maxConnections;
    this.#server.on("clientError", (error: NodeJS.ErrnoException, socket: Duplex) => answerClientError(config, error, socket));
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
      peakActiveJobs: (keyIndex = 0) => this.#jobs.peakActiveCount(keyIndex),
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
}
