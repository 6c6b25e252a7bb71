import { homedir, platform } from "node:os";
import { join } from "node:path";

/** Where `cache: true` keeps results and the job journal: the platform's cache folder, then "sotaocr". */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (platform() === "win32") return join(env.LOCALAPPDATA ?? join(homedir(), "AppData", "Local"), "sotaocr", "Cache");
  if (platform() === "darwin") return join(homedir(), "Library", "Caches", "sotaocr");
  return join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "sotaocr");
}
