/**
 * Test fixtures built in code (for the engine's tests only): a password-protected PDF, written by
 * hand with the PDF 2.0 standard security handler (revision 6, AES-256), since no tool that
 * encrypts PDFs is available offline. Deterministic: salts and keys derive from fixed seeds.
 */
import { createCipheriv, createHash } from "node:crypto";

function seeded(label: string, length: number): Buffer {
  return createHash("sha512").update(label).digest().subarray(0, length);
}

function aesCbc(bits: 128 | 256, key: Buffer, iv: Buffer, data: Buffer, padding: boolean): Buffer {
  const cipher = createCipheriv(`aes-${bits}-cbc`, key, iv);
  cipher.setAutoPadding(padding);
  return Buffer.concat([cipher.update(data), cipher.final()]);
}

/** ISO 32000-2 algorithm 2.B: the revision 6 password hash. */
function hashR6(password: Buffer, salt: Buffer, userKey: Buffer): Buffer {
  let k = createHash("sha256")
    .update(Buffer.concat([password, salt, userKey]))
    .digest();
  for (let round = 0; ; round++) {
    const k1 = Buffer.concat(Array.from({ length: 64 }, () => Buffer.concat([password, k, userKey])));
    const e = aesCbc(128, k.subarray(0, 16), k.subarray(16, 32), k1, false);
    let sum = 0;
    for (let i = 0; i < 16; i++) sum += e[i]!;
    const algorithm = ["sha256", "sha384", "sha512"][sum % 3]!;
    k = createHash(algorithm).update(e).digest();
    if (round >= 63 && e[e.length - 1]! <= round + 1 - 32) break;
  }
  return k.subarray(0, 32);
}

/**
 * A one-page PDF whose content ("Secret text") opens only with `userPassword` (AES-256, R6).
 * Viewers and pdf.js ask for the password; without it the page cannot be read.
 */
export function encryptedPdf(userPassword = "secret", ownerPassword = "owner"): Uint8Array {
  const user = Buffer.from(userPassword, "utf8");
  const owner = Buffer.from(ownerPassword, "utf8");
  const fileKey = seeded("file key", 32);
  const [userValidationSalt, userKeySalt] = [seeded("u-validation", 8), seeded("u-key", 8)];
  const [ownerValidationSalt, ownerKeySalt] = [seeded("o-validation", 8), seeded("o-key", 8)];
  const zeroIv = Buffer.alloc(16);

  const u = Buffer.concat([hashR6(user, userValidationSalt, Buffer.alloc(0)), userValidationSalt, userKeySalt]);
  const ue = aesCbc(256, hashR6(user, userKeySalt, Buffer.alloc(0)), zeroIv, fileKey, false);
  const o = Buffer.concat([hashR6(owner, ownerValidationSalt, u), ownerValidationSalt, ownerKeySalt]);
  const oe = aesCbc(256, hashR6(owner, ownerKeySalt, u), zeroIv, fileKey, false);
  const permissions = -4;
  const permsPlain = Buffer.alloc(16);
  permsPlain.writeInt32LE(permissions, 0);
  permsPlain.writeUInt32LE(0xffffffff, 4);
  permsPlain.write("Tadb", 8, "latin1");
  seeded("perms", 4).copy(permsPlain, 12);
  const ecb = createCipheriv("aes-256-ecb", fileKey, null);
  ecb.setAutoPadding(false);
  const perms = Buffer.concat([ecb.update(permsPlain), ecb.final()]);

  // AESV3 streams: a 16-byte IV, then AES-256-CBC with PKCS#7 padding, same key for every object.
  const content = Buffer.from("BT /F1 24 Tf 72 700 Td (Secret text) Tj ET", "latin1");
  const iv = seeded("stream iv", 16);
  const encryptedContent = Buffer.concat([iv, aesCbc(256, fileKey, iv, content, true)]);

  const hex = (b: Buffer) => `<${b.toString("hex")}>`;
  const objects: Buffer[] = [
    Buffer.from("<< /Type /Catalog /Pages 2 0 R >>"),
    Buffer.from("<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
    Buffer.from("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>"),
    Buffer.from("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"),
    Buffer.concat([Buffer.from(`<< /Length ${encryptedContent.length} >>\nstream\n`), encryptedContent, Buffer.from("\nendstream")]),
    Buffer.from(
      "<< /Filter /Standard /V 5 /R 6 /Length 256 /P -4 /EncryptMetadata true " +
        "/CF << /StdCF << /Type /CryptFilter /CFM /AESV3 /AuthEvent /DocOpen /Length 32 >> >> /StmF /StdCF /StrF /StdCF " +
        `/U ${hex(u)} /UE ${hex(ue)} /O ${hex(o)} /OE ${hex(oe)} /Perms ${hex(perms)} >>`,
    ),
  ];
  const parts: Buffer[] = [Buffer.from("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "latin1")];
  const offsets: number[] = [];
  let length = parts[0]!.length;
  objects.forEach((body, i) => {
    const object = Buffer.concat([Buffer.from(`${i + 1} 0 obj\n`), body, Buffer.from("\nendobj\n")]);
    offsets.push(length);
    parts.push(object);
    length += object.length;
  });
  const id = seeded("document id", 16).toString("hex");
  const xref = [
    "xref",
    `0 ${objects.length + 1}`,
    "0000000000 65535 f ",
    ...offsets.map((offset) => `${String(offset).padStart(10, "0")} 00000 n `),
    "trailer",
    `<< /Size ${objects.length + 1} /Root 1 0 R /Encrypt 6 0 R /ID [<${id}> <${id}>] >>`,
    "startxref",
    String(length),
    "%%EOF",
    "",
  ].join("\n");
  parts.push(Buffer.from(xref, "latin1"));
  return new Uint8Array(Buffer.concat(parts));
}
