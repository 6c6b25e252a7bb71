/**
 * Small valid documents built in code, so tests need no binary fixtures: a PDF whose pages carry
 * a real text layer (Helvetica), and the smallest PNG and JPEG headers the API recognises.
 */

/** A valid PDF with one page per string, each string drawn as lines of text. */
export function makePdf(pages: string[]): Uint8Array {
  const objects: string[] = [];
  const add = (body: string) => objects.push(body) - 1 + 1; // 1-based object numbers
  const catalog = add("<< /Type /Catalog /Pages 2 0 R >>");
  const pagesId = add(""); // filled below
  const font = add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>");
  const kids: number[] = [];
  for (const text of pages) {
    const lines = text.split("\n").map((line, i) => `BT /F1 14 Tf 72 ${720 - i * 20} Td (${escapePdf(line)}) Tj ET`);
    const stream = lines.join("\n");
    const content = add(`<< /Length ${Buffer.byteLength(stream, "latin1")} >>\nstream\n${stream}\nendstream`);
    kids.push(
      add(`<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 ${font} 0 R >> >> /Contents ${content} 0 R >>`),
    );
  }
  objects[pagesId - 1] = `<< /Type /Pages /Kids [${kids.map((k) => `${k} 0 R`).join(" ")}] /Count ${kids.length} >>`;

  let out = "%PDF-1.4\n";
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out, "latin1"));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, "latin1");
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) out += `${String(offset).padStart(10, "0")} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root ${catalog} 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return new Uint8Array(Buffer.from(out, "latin1"));
}

function escapePdf(text: string): string {
  return text.replace(/[\\()]/g, (char) => `\\${char}`);
}

/** The 8-byte PNG signature and an IHDR chunk: enough for type detection, not a decodable image. */
export const PNG_HEAD = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);

/** A JPEG's start-of-image and APP0 marker: enough for type detection. */
export const JPEG_HEAD = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0]);

/**
 * `pdf` grown to `size` bytes with spaces after its header (its `%%EOF` stays at the end): the
 * client and the synthetic engine still see a complete PDF with the same pages (a PDF reader would
 * not: the xref offsets no longer match). For uploads that must take a while or hit a limit.
 */
export function padPdf(pdf: Uint8Array, size: number): Uint8Array {
  if (size <= pdf.byteLength) return pdf;
  const header = pdf.indexOf(0x0a) + 1; // after "%PDF-1.4\n"
  const bytes = new Uint8Array(size).fill(0x20);
  bytes.set(pdf.subarray(0, header));
  bytes.set(pdf.subarray(header), size - (pdf.byteLength - header));
  return bytes;
}
