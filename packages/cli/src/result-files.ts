import { randomBytes } from "node:crypto";
import { chmod, link, lstat, mkdir, open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/**
 * Before anything is uploaded or waited for: creates the folders of `paths`, proves each folder
 * takes a new file, and returns the paths that are in the way: every existing one, or with
 * `replace` only folders (a file never replaces a folder). Paying for a result that cannot be
 * written is what this prevents.
 */
export async function pathsInTheWay(paths: readonly string[], replace: boolean): Promise<string[]> {
  for (const dir of new Set(paths.map((path) => dirname(path)))) {
    try {
      await mkdir(dir, { recursive: true });
      await rm(await writeAside(join(dir, "probe"), ""), { force: true });
    } catch (cause) {
      throw new Error(`Cannot write into ${dir} (${(cause as NodeJS.ErrnoException).code ?? cause}): choose another folder.`, { cause });
    }
  }
  const inTheWay: string[] = [];
  for (const path of paths) {
    const kind = await lstat(path).then(
      (stats) => (stats.isDirectory() ? "folder" : "file"),
      (error: NodeJS.ErrnoException) => {
        if (error.code === "ENOENT") return "none";
        throw error;
      },
    );
    if (kind === "folder") inTheWay.push(`${path} (a folder)`);
    else if (kind === "file" && !replace) inTheWay.push(path);
  }
  return inTheWay;
}

/** Hard links are missing on some file systems (FAT, exFAT, some network and FUSE mounts). */
const NO_HARD_LINKS = new Set(["EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS", "EXDEV"]);

/**
 * Writes a result file whole or not at all: the content goes to a temporary file beside it, then
 * into place. With `replace`, a rename (atomic) swaps it in, given the replaced file's permissions
 * first (else a private file would come back with the usual ones). Without, a hard link puts it
 * there: link(2) fails if the name exists, at the moment of writing, so a file created after an earlier
 * check is still never replaced (a check followed by a rename could replace it). Resolves false
 * when the name was taken, having written nothing.
 */
export async function writeResultFile(path: string, content: string, replace: boolean): Promise<boolean> {
  const temporary = await writeAside(path, content);
  try {
    if (replace) {
      const mode = await modeOfFile(path);
      if (mode !== undefined) await chmod(temporary, mode);
      await rename(temporary, path);
    } else await link(temporary, path);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "";
    if (code === "EEXIST") return false;
    if (!replace && NO_HARD_LINKS.has(code)) return createExclusive(path, content);
    throw error;
  } finally {
    await rm(temporary, { force: true });
  }
}

/** The permission bits of the regular file at `path`; undefined when there is none. */
async function modeOfFile(path: string): Promise<number | undefined> {
  const stats = await lstat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw error;
  });
  return stats?.isFile() ? stats.mode & 0o7777 : undefined;
}

/** A new file beside `path`, with `content` on disk before it is used; its name. */
async function writeAside(path: string, content: string): Promise<string> {
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  const handle = await open(temporary, "wx");
  try {
    await handle.writeFile(content);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temporary, { force: true });
    throw error;
  }
  await handle.close();
  return temporary;
}

/**
 * Without hard links: creates the file only if the name is free ('wx'), then writes it. Never
 * replaces; but a reader could see it before it is whole, and a failed write removes it.
 */
async function createExclusive(path: string, content: string): Promise<boolean> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, "wx");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
  try {
    await handle.writeFile(content);
    await handle.close();
    return true;
  } catch (error) {
    await handle.close().catch(() => {});
    await rm(path, { force: true }); // ours: created above
    throw error;
  }
}
