import type { BigIntStats } from "node:fs";
import { stat } from "node:fs/promises";
import { type FileChange, FileChangedError, InvalidInputError } from "../errors.js";

/**
 * The file on disk an input's bytes come from, as it was when opened. Node's file-backed Blob
 * refuses to read a file whose size or the sub-second part of its modification time changed; this
 * also sees a file deleted or renamed away while its open handle kept reading, another file moved
 * into its place, and a rewrite on a file system that keeps whole-second times.
 */
export interface FileOrigin {
  path: string;
  dev: bigint;
  ino: bigint;
  size: bigint;
  mtimeNs: bigint;
}

export function fileOrigin(path: string, stats: BigIntStats): FileOrigin {
  return { path, dev: stats.dev, ino: stats.ino, size: stats.size, mtimeNs: stats.mtimeNs };
}

/** What happened to the file since it was opened (a word and words); undefined when it looks the same. */
export async function changeOf(origin: FileOrigin): Promise<{ change: FileChange; detail: string } | undefined> {
  let now: BigIntStats;
  try {
    now = await stat(origin.path, { bigint: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Anything else (e.g. a permission taken away) says nothing about the bytes already read.
    return code === "ENOENT" || code === "ENOTDIR" ? { change: "deleted", detail: "it was deleted or moved away" } : undefined;
  }
  if (now.dev !== origin.dev || now.ino !== origin.ino) return { change: "replaced", detail: "another file was put in its place" };
  if (now.size !== origin.size) return { change: "size", detail: `its size went from ${origin.size} to ${now.size} bytes` };
  if (now.mtimeNs !== origin.mtimeNs) return { change: "modification_time", detail: "its modification time changed (it was rewritten)" };
  return undefined;
}

/** Throws a `FileChangedError` when the file is no longer what was opened. */
export async function assertUnchanged(source: string, origin: FileOrigin | undefined): Promise<void> {
  const change = origin && (await changeOf(origin));
  if (change) throw new FileChangedError(source, change);
}

/**
 * The error for a failed read of an input's bytes: a `FileChangedError` when the file changed (what
 * Node's Blob reports as a bare "NotReadableError"), an "unreadable" `InvalidInputError` otherwise.
 */
export async function readError(source: string, origin: FileOrigin | undefined, cause: unknown): Promise<InvalidInputError> {
  const change = origin && (await changeOf(origin));
  if (change) return new FileChangedError(source, change, { cause });
  const detail = cause instanceof Error ? cause.message : String(cause);
  // A Blob the caller opened with openAsBlob says only this when its file changed: we cannot look.
  const hint =
    cause instanceof Error && cause.name === "NotReadableError"
      ? " If it is a Blob from fs.openAsBlob, its file may have changed: pass the path instead, so the change can be told."
      : "";
  return new InvalidInputError(`Cannot read ${source}: ${detail}.${hint}`, "unreadable", source, { cause });
}
