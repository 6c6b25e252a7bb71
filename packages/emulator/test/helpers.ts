import { createHash } from "node:crypto";
import { connect } from "node:net";
import { SotaOcrClient } from "@sotaocr/core";
import { mulberry32 } from "../src/faults.js";
import { type Emulator, type EmulatorOptions, startEmulator } from "../src/index.js";

/**
 * A small PDF with `pages` page objects, built by hand (valid xref, `%%EOF`). The synthetic
 * engine counts its `/Type /Page` objects; `encrypted` adds an `/Encrypt` entry to the trailer.
 */
export function makePdf(pages: number, options: { encrypted?: boolean; label?: string } = {}): Uint8Array {
  const objects: string[] = ["<< /Type /Catalog /Pages 2 0 R >>", ""];
  const kids: number[] = [];
  for (let i = 0; i < pages; i++) {
    const stream = `BT /F1 12 Tf 72 720 Td (${options.label ?? "Test"} page ${i + 1}) Tj ET`;
    objects.push(`<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`);
    kids.push(objects.push(`<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents ${objects.length} 0 R >>`));
  }
  objects[1] = `<< /Type /Pages /Kids [${kids.map((k) => `${k} 0 R`).join(" ")}] /Count ${pages} >>`;
  let out = "%PDF-1.4\n";
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, "0")} 00000 n \n`).join("")}`;
  const encrypt = options.encrypted ? " /Encrypt << /Filter /Standard /V 1 /R 2 >>" : "";
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R${encrypt} >>\nstartxref\n${xref}\n%%EOF\n`;
  return new Uint8Array(Buffer.from(out, "latin1"));
}

/**
 * A one-page PDF of `widthPt`×`heightPt` points (hand-written, about 600 bytes however large the
 * page), with `text` in Helvetica as its text layer, or nothing on it (a page the engine must OCR).
 */
export function makeSizedPdf(widthPt: number, heightPt: number, text?: string): Uint8Array {
  // Lines of up to 60 characters, 14 pt apart, from the top-left corner.
  const lines = text?.match(/.{1,60}(\s|$)/g) ?? [];
  const stream =
    text === undefined ? "" : `BT /F1 12 Tf 14 TL 72 ${heightPt - 72} Td ${lines.map((line) => `(${line.trim()}) Tj T*`).join(" ")} ET`;
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${widthPt} ${heightPt}] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>`,
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
  ];
  let out = "%PDF-1.4\n";
  const offsets = objects.map((body, i) => {
    const offset = out.length;
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
    return offset;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, "0")} 00000 n \n`).join("")}`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return new Uint8Array(Buffer.from(out, "latin1"));
}

/** PNG and JPEG headers: enough to be recognised (the synthetic engine never decodes them). */
export const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
export const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0]);

export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Starts a synthetic-engine emulator (fast pages) with `options` on top. */
export function startSynthetic(options: EmulatorOptions = {}): Promise<Emulator> {
  return startEmulator({ engine: "synthetic", ...options, synthetic: { msPerPage: 5, ...options.synthetic } });
}

/** A client for the emulator, with its first key unless told otherwise. */
export function clientFor(emulator: Emulator, options: ConstructorParameters<typeof SotaOcrClient>[0] = {}): SotaOcrClient {
  return new SotaOcrClient({ baseUrl: emulator.url, apiKey: emulator.apiKey, ...options });
}

/** A raw request with `fetch`, bypassing the client. */
export async function raw(
  emulator: Emulator,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: RequestInit["body"]; key?: string | null } = {},
): Promise<{ status: number; headers: Headers; json: Record<string, unknown> | undefined; bytes: Uint8Array }> {
  const headers: Record<string, string> = { ...init.headers };
  const key = init.key === undefined ? emulator.apiKey : init.key;
  if (key !== null) headers.authorization = `Bearer ${key}`;
  const response = await fetch(`${emulator.url}${path}`, { method: init.method ?? "GET", headers, body: init.body });
  const bytes = new Uint8Array(await response.arrayBuffer());
  let json: Record<string, unknown> | undefined;
  if (response.headers.get("content-type")?.includes("json")) json = JSON.parse(Buffer.from(bytes).toString("utf8"));
  return { status: response.status, headers: response.headers, json, bytes };
}

/** The error code of a JSON error body. */
export function errorCode(json: Record<string, unknown> | undefined): string | undefined {
  return (json?.error as { code?: string } | undefined)?.code;
}

/** A multipart/form-data body built by hand, so tests control every byte. */
export function multipart(
  parts: { name: string; value: string | Uint8Array; filename?: string; contentType?: string }[],
  boundary = "----emulator-test-boundary",
): { body: Buffer; contentType: string } {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition = `form-data; name="${part.name}"${part.filename === undefined ? "" : `; filename="${part.filename}"`}`;
    const type = part.contentType ? `\r\nContent-Type: ${part.contentType}` : "";
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}${type}\r\n\r\n`));
    chunks.push(Buffer.from(part.value));
    chunks.push(Buffer.from("\r\n"));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** Uploads a file raw (multipart), with optional extra fields and headers. */
export function rawUpload(
  emulator: Emulator,
  file: Uint8Array | undefined,
  fields: Record<string, string> = {},
  headers: Record<string, string> = {},
) {
  const parts: Parameters<typeof multipart>[0] = Object.entries(fields).map(([name, value]) => ({ name, value }));
  if (file) parts.unshift({ name: "file", value: file, filename: "document.bin", contentType: "application/octet-stream" });
  const { body, contentType } = multipart(parts);
  return raw(emulator, "/v1/extract", { method: "POST", body, headers: { "content-type": contentType, ...headers } });
}

/**
 * Sends raw bytes on a TCP connection and resolves with what comes back before the server answers
 * completely or closes. `keepOpen`: the connection is not ended after sending (a body still "to come").
 */
export function rawHttp(port: number, request: string): Promise<{ response: string; elapsedMs: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = connect(port, "127.0.0.1");
    let response = "";
    const finish = () => {
      socket.destroy();
      resolve({ response, elapsedMs: performance.now() - started });
    };
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => {
      response += chunk;
      const headerEnd = response.indexOf("\r\n\r\n");
      const length = /content-length: (\d+)/i.exec(response);
      if (headerEnd >= 0 && length && response.length >= headerEnd + 4 + Number(length[1])) finish();
    });
    socket.on("end", finish);
    socket.on("close", finish);
    socket.on("error", reject);
    socket.write(request);
  });
}

/**
 * The first fault seed whose sequence of draws satisfies `wanted` (the emulator draws one number
 * per request on a fault route, from mulberry32(seed)). Lets a test pick the exact fault sequence.
 */
export function seedWhere(count: number, wanted: (draws: number[]) => boolean): number {
  for (let seed = 1; seed < 100_000; seed++) {
    const random = mulberry32(seed);
    if (wanted(Array.from({ length: count }, random))) return seed;
  }
  throw new Error("no seed found");
}

/** Character error rate: edit distance over the reference's length, whitespace runs collapsed. */
export function characterErrorRate(hypothesis: string, reference: string): number {
  const a = hypothesis.replace(/\s+/g, " ").trim();
  const b = reference.replace(/\s+/g, " ").trim();
  if (b.length === 0) return a.length === 0 ? 0 : 1;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, substitution);
    }
    previous = current;
  }
  return (previous[b.length] as number) / b.length;
}
