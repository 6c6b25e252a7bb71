import { type AddressInfo, createServer } from "node:net";
import { inspect } from "node:util";
import { job, makePdf, type RecordedRequest, type Reply, type ScriptedServer, startScriptedServer } from "@sotaocr/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MissingApiKeyError, SotaOcrClient, SotaOcrError } from "../src/index.js";

const KEY = "sk-live-SECRET-7f3a9c";
let server: ScriptedServer;
beforeAll(async () => {
  server = await startScriptedServer();
});
afterAll(() => server.close());

/** Every way an error or object can reach a log. */
function everyRendering(value: unknown): string {
  const error = value as Error;
  return [String(value), error?.message, error?.stack, JSON.stringify(value), inspect(value, { depth: 10, showHidden: true })].join("\n");
}

describe("the API key never leaks", () => {
  const client = () => new SotaOcrClient({ apiKey: KEY, baseUrl: server.url, maxRetries: 0, timeoutMs: 300 });
  const pdf = makePdf(["x"]);

  it("is sent, as a Bearer token", async () => {
    server.on("GET /v1/balance", { json: { remaining_pages: 1 } });
    await client().getBalance();
    expect(server.requestsTo("GET /v1/balance").at(-1)?.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it.each([
    [
      "a 401 whose body echoes the header",
      () => server.on("GET /v1/balance", { status: 401, json: { error: { code: KEY, message: `bad token Bearer ${KEY}` } } }),
    ],
    [
      "a 500 with a plain-text echo",
      () => server.on("GET /v1/balance", { status: 500, body: `upstream said: Authorization: Bearer ${KEY}` }),
    ],
    ["a timeout", () => server.on("GET /v1/balance", "hang")],
    ["a reset", () => server.on("GET /v1/balance", "reset-before-body")],
    ["a body that is not JSON", () => server.on("GET /v1/balance", { status: 200, body: `<html>${KEY}</html>` })],
  ])("in errors from %s", async (_, script) => {
    script();
    const error = await client()
      .getBalance()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(everyRendering(error)).not.toContain(KEY);
  });

  it("in errors from a refused connection and from failed jobs", async () => {
    const refused = await new SotaOcrClient({ apiKey: KEY, baseUrl: "http://127.0.0.1:9", maxRetries: 0 })
      .extract(pdf)
      .catch((e: unknown) => e);
    expect(everyRendering(refused)).not.toContain(KEY);
    server.on("POST /v1/extract", job("job_s", "pending"));
    server.on("GET /v1/jobs/job_s", job("job_s", "failed", 1, 0, { error: { code: "ocr_failed", message: "engine down" } }));
    const failed = await client()
      .ocr(pdf)
      .catch((e: unknown) => e);
    expect(everyRendering(failed)).not.toContain(KEY);
  });

  it("in the client itself and in results", async () => {
    const c = client();
    expect(inspect(c, { showHidden: true, depth: 10 })).not.toContain(KEY);
    expect(JSON.stringify(c)).not.toContain(KEY);
    expect(String(c)).not.toContain(KEY);
    server.on("POST /v1/extract", job("job_t", "pending"));
    server.on("GET /v1/jobs/job_t", job("job_t", "completed", 1, 1));
    server.on("GET /v1/jobs/job_t/result", { json: { pages: [{ page_number: 1, text: "hi" }] } });
    const result = await c.ocr(pdf);
    expect(everyRendering(result)).not.toContain(KEY);
  });
});

/**
 * Everything an error can show: `String`, message, stack, `JSON.stringify`, `util.inspect` to any
 * depth with hidden properties and getters, and every string reachable through its own properties
 * (enumerable or not, symbol keys too), headers and cause chains included.
 */
function deepRendering(value: unknown): string {
  const strings: string[] = [];
  const seen = new Set<unknown>();
  const walk = (item: unknown) => {
    if (typeof item === "string") strings.push(item);
    if (typeof item !== "object" || item === null || seen.has(item)) return;
    seen.add(item);
    for (const key of Reflect.ownKeys(item)) {
      strings.push(String(key));
      const descriptor = Object.getOwnPropertyDescriptor(item, key);
      if (descriptor && "value" in descriptor) walk(descriptor.value);
    }
  };
  walk(value);
  const error = value as Error;
  return [
    String(value),
    error?.message,
    error?.stack,
    JSON.stringify(value),
    inspect(value, { depth: Number.POSITIVE_INFINITY, showHidden: true, getters: true }),
    ...strings,
  ].join("\n");
}

/** An answer that echoes the key wherever a server could: body, code, message, request ids, content-type, header names. */
function echo(status: number, json?: (key: string) => unknown) {
  return (request: RecordedRequest): Reply => {
    const auth = String(request.headers.authorization);
    const key = auth.slice("Bearer ".length);
    return {
      status,
      headers: {
        "content-type": `application/json; echo=${key}`,
        "x-request-id": key,
        "request-id": `req ${auth}`,
        "x-echo": auth,
        [`x-${key}`]: key,
      },
      body: JSON.stringify(json ? json(key) : { error: { code: key, message: `you sent ${auth}` } }),
    };
  };
}

/** A raw TCP server that answers every request with broken HTTP quoting its Authorization header. */
async function brokenHttpServer(answer: (auth: string) => string): Promise<{ url: string; close: () => Promise<void> }> {
  const raw = createServer((socket) => {
    socket.once("data", (data) => socket.end(answer(/authorization: (.*)\r\n/i.exec(data.toString("latin1"))?.[1] ?? "")));
  });
  await new Promise<void>((resolve) => raw.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(raw.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => raw.close(() => resolve())),
  };
}

type Scenario = [name: string, kind: string, run: (client: SotaOcrClient, key: string) => Promise<unknown>];

const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
let scenario = 0;
/** A fresh job id per run, so runs with different keys do not share scripts. */
const nextJob = () => `job_echo_${scenario++}`;

const scenarios: Scenario[] = [
  ...[400, 401, 402, 403, 404, 409, 422, 429, 500, 503].map(
    (status): Scenario => [
      `a ${status} that echoes the key`,
      "APIError",
      (client) => {
        server.on("GET /v1/balance", echo(status));
        return client.getBalance();
      },
    ],
  ),
  [
    "a 401 whose detail is an object with the key",
    "AuthenticationError",
    (client) => {
      server.on(
        "GET /v1/balance",
        echo(401, (key) => ({ detail: { token: key, hint: [key] } })),
      );
      return client.getBalance();
    },
  ],
  [
    "a 500 upload answer (ambiguous: a job may exist)",
    "InternalServerError",
    (client) => {
      server.on("POST /v1/extract", echo(500));
      return client.extract(png);
    },
  ],
  [
    "a 200 that is not JSON, with the key in its content-type",
    "InvalidResponseError",
    (client) => {
      server.on("GET /v1/balance", (request) => ({ ...(echo(200)(request) as object), body: "<html>nope</html>" }));
      return client.getBalance();
    },
  ],
  [
    "a 200 that breaks the schema with the key",
    "InvalidResponseError",
    (client) => {
      server.on(
        "GET /v1/balance",
        echo(200, (key) => ({ remaining_pages: key, [key]: key })),
      );
      return client.getBalance();
    },
  ],
  [
    "a 200 over the size limit",
    "ResponseTooLargeError",
    (client) => {
      server.on(
        "GET /v1/balance",
        echo(200, (key) => ({ remaining_pages: 1, pad: key.repeat(1 + (2 * 1024 * 1024) / key.length) })),
      );
      return client.getBalance();
    },
  ],
  [
    "a job that failed with the key as code and message (status JSON)",
    "JobFailedError",
    (client) => {
      const id = nextJob();
      server.on("POST /v1/extract", job(id, "pending"));
      server.on(
        `GET /v1/jobs/${id}`,
        echo(200, (key) => ({ id, status: "failed", error: { code: key, message: `bad ${key}` } })),
      );
      return client.ocr(png);
    },
  ],
  [
    "a job that failed with the key as its error string",
    "JobFailedError",
    (client) => {
      const id = nextJob();
      server.on(
        `GET /v1/jobs/${id}`,
        echo(200, (key) => ({ id, status: "error", error: `Bearer ${key}` })),
      );
      return client.waitForJob(id);
    },
  ],
  [
    "a 409 job_failed to a result request",
    "JobFailedError",
    (client) => {
      const id = nextJob();
      server.on(
        `GET /v1/jobs/${id}/result`,
        echo(409, (key) => ({ error: { code: "job_failed", message: key } })),
      );
      return client.getResult(id);
    },
  ],
  [
    "a result that is never ready (202)",
    "APIError",
    (client) => {
      const id = nextJob();
      server.on(
        `GET /v1/jobs/${id}/result`,
        echo(202, (key) => ({ error: { code: "result_not_ready", message: key } })),
      );
      return client.getResult(id);
    },
  ],
  [
    "a job id with the key in it, then a 404",
    "NotFoundError",
    (client) => {
      server.on(
        "POST /v1/extract",
        echo(200, (key) => ({ id: `job-${key}`, status: "pending" })),
      );
      return client.ocr(png);
    },
  ],
  [
    "a job id with the key in it, then the deadline (before the first poll)",
    "TimeoutError",
    (client, key) => {
      server.on(
        "POST /v1/extract",
        echo(200, () => ({ id: `job_${key}`, status: "pending" })),
      );
      return client.ocr(png, { timeoutMs: 200 });
    },
  ],
  [
    "an abort while the job with the key in its id waits for its first poll",
    "AbortError",
    (client, key) => {
      server.on(
        "POST /v1/extract",
        echo(200, () => ({ id: `job_${key}`, status: "pending" })),
      );
      return client.ocr(png, { signal: AbortSignal.timeout(200) });
    },
  ],
  [
    "broken HTTP quoting the header (chunk size)",
    "APIConnectionError",
    async (client) => {
      const broken = await brokenHttpServer((auth) => `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${auth}\r\n`);
      try {
        return await new SotaOcrClient({ apiKey: keyOf(client), baseUrl: broken.url, maxRetries: 0 }).getBalance();
      } finally {
        await broken.close();
      }
    },
  ],
  [
    "broken HTTP quoting the header (Content-Length)",
    "APIConnectionError",
    async (client) => {
      const broken = await brokenHttpServer((auth) => `HTTP/1.1 200 OK\r\nContent-Length: x${auth}\r\n\r\n`);
      try {
        return await new SotaOcrClient({ apiKey: keyOf(client), baseUrl: broken.url, maxRetries: 0 }).extract(png);
      } finally {
        await broken.close();
      }
    },
  ],
];

const keys = new WeakMap<SotaOcrClient, string>();
const keyOf = (client: SotaOcrClient) => keys.get(client) as string;

describe.each([
  ["a long key", "sk-live-SECRET-7f3a9c"],
  ["a short key (6 characters, the least accepted)", "Zq7-x2"],
])("with a server that echoes %s, no error holds it", (_, key) => {
  it.each(scenarios)("%s", async (_name, kind, run) => {
    const client = new SotaOcrClient({ apiKey: key, baseUrl: server.url, maxRetries: 0, timeoutMs: 2000 });
    keys.set(client, key);
    const error = await run(client, key).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error, "the call must fail").toBeInstanceOf(SotaOcrError);
    expect(kindsOf(error)).toContain(kind);
    expect(deepRendering(error)).not.toContain(key);
  });
});

describe("keys too short to redact safely", () => {
  it.each(["k", "k2", "abcde"])("%j is refused before anything is sent, without quoting it", async (key) => {
    const before = server.requests.length;
    const error = await new SotaOcrClient({ apiKey: key, baseUrl: server.url }).getBalance().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingApiKeyError);
    expect((error as Error).message).toMatch(/is shorter than 6 characters/);
    expect((error as Error).message).not.toContain(`"${key}"`);
    expect(server.requests.length).toBe(before);
  });
});

function kindsOf(error: unknown): string[] {
  const kinds: string[] = [];
  for (let proto = Object.getPrototypeOf(error); proto && proto !== Error.prototype; proto = Object.getPrototypeOf(proto)) {
    kinds.push(proto.name);
  }
  return kinds;
}
