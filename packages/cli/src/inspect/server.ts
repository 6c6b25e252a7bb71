import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { PagePreview } from "@sotaocr/core";
import type { InspectModel } from "./model.js";

/** Fetches a page's image from the service (through the client, which holds the key and paces requests). */
export type FetchPreview = (jobId: string, previewNumber: number) => Promise<PagePreview>;

export interface InspectorServer {
  /** `http://127.0.0.1:<port>/` */
  url: string;
  close(): Promise<void>;
}

const IMAGE_TYPES = new Set(["image/png", "image/jpeg", "image/webp", "image/gif"]);

/**
 * Serves the inspector on 127.0.0.1 only: `/` is the page, `/preview/<page index>` each page's
 * image, fetched from the service when first asked for and kept in memory. The browser never
 * talks to the service: the key stays in this process. Requests whose Host is not this address
 * are refused (a web page elsewhere cannot reach the server through a DNS name bound to 127.0.0.1).
 * `redact` cleans error messages sent to the page.
 */
export async function serveInspector(
  model: InspectModel,
  html: string,
  fetchPreview: FetchPreview,
  redact: (text: string) => string,
  port = 0,
): Promise<InspectorServer> {
  const previews = new Map<number, Promise<PagePreview>>();
  const preview = (index: number): Promise<PagePreview> => {
    let pending = previews.get(index);
    if (!pending) {
      const page = model.pages[index] as InspectModel["pages"][number];
      const jobId = model.documents[page.document]?.jobId as string;
      pending = fetchPreview(jobId, page.previewNumber as number);
      pending.catch(() => previews.delete(index)); // asked again on the next request
      previews.set(index, pending);
    }
    return pending;
  };

  let hosts: Set<string> = new Set();
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const send = (status: number, type: string, body: string | Uint8Array, cache = "no-store") => {
      response.writeHead(status, {
        "content-type": type,
        "cache-control": cache,
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer",
        "cross-origin-resource-policy": "same-origin",
      });
      response.end(body);
    };
    const fail = (status: number, message: string) => send(status, "application/json", JSON.stringify({ error: redact(message) }));
    if (!hosts.has((request.headers.host ?? "").toLowerCase())) return fail(403, "This server answers only on its loopback address.");
    if (request.method !== "GET" && request.method !== "HEAD") return fail(405, "Only GET is served.");
    const path = new URL(request.url ?? "/", "http://127.0.0.1").pathname;
    if (path === "/") return send(200, "text/html; charset=utf-8", html);
    const match = /^\/preview\/(\d+)$/.exec(path);
    const index = match ? Number(match[1]) : -1;
    const page = model.pages[index];
    if (!page) return fail(404, `No such page: ${path}`);
    if (page.previewNumber === undefined) return fail(404, "This page has no image: it stands for several pages.");
    preview(index).then(
      (image) => {
        const type = image.contentType.split(";")[0]?.trim().toLowerCase() ?? "";
        send(200, IMAGE_TYPES.has(type) ? type : "application/octet-stream", image.bytes, "private, max-age=3600");
      },
      (error: unknown) => fail(502, `${(error as Error).name ?? "Error"}: ${(error as Error).message ?? String(error)}`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const actual = (server.address() as AddressInfo).port;
  hosts = new Set([`127.0.0.1:${actual}`, `localhost:${actual}`]);
  return {
    url: `http://127.0.0.1:${actual}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
