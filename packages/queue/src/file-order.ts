/** The order workers take a queue's files in (`AddOptions.order`). */
export type FileOrder = "mixed" | "longest-first" | "as-added";

/** BullMQ's largest priority number: the lowest priority (lower numbers are taken first). */
const LOWEST_PRIORITY = 2 ** 21;

/**
 * How many files end a mixed batch, at most: about twice the active jobs a key is commonly allowed,
 * enough for the last files to even out the slots' ends (simulated, docs/benchmarks.md §6, item 13).
 */
const ENDING_FILES = 16;

/**
 * The BullMQ priority of a file of `pages` pages to read, in `"longest-first"` order. Longest first:
 * the last files of a batch are then the short ones, and the key's active-job slots empty close
 * together instead of a few long jobs running on alone (docs/benchmarks.md §6, item 6). A file
 * whose pages are unknown gets none: BullMQ takes files without a priority before any with one, as
 * if they were the longest. Files of equal priority keep the order they were added in. The other
 * orders give no priority.
 */
export function priorityOf(pages: number | undefined, order: FileOrder): number | undefined {
  if (order !== "longest-first" || pages === undefined) return undefined;
  return LOWEST_PRIORITY - Math.min(Math.max(1, pages), LOWEST_PRIORITY - 1);
}

/**
 * Files in `"mixed"` order, by their `pages` to read: files of unknown length first; then, of the
 * others, all but the ending taken so that the running total of pages stays close to their mean
 * times the files taken (the longest left whenever it fits under that, else the shortest left);
 * then the ending, longest first: up to `ENDING_FILES` files spread over the shorter half of the
 * lengths. Files of equal length keep the order given.
 *
 * Why (docs/benchmarks.md §6, items 11 and 13): longest first leaves every 1-page file for the
 * batch's last seconds, where their many result requests overrun the key's requests per second
 * and wait. A mix keeps short files, and so their requests, spread through the batch; an ending
 * that goes from middling to short lets the key's active-job slots empty close together (longest
 * first over a few files is how a batch ends evenly), without long files that would run on alone.
 */
export function mixedOrder<File extends { pages: number | undefined }>(files: readonly File[]): File[] {
  const unknown = files.filter((file) => file.pages === undefined);
  // Longest first; the sort is stable, so equal lengths stay in the order given.
  const sorted = files.flatMap((file) => (file.pages === undefined ? [] : [{ file, pages: file.pages }])).sort((a, b) => b.pages - a.pages);
  const ending = endingOf(sorted);
  const known = sorted.filter((entry) => !ending.has(entry));

  // Runs of equal length, longest run first. Taking a run's next file, whether from the longest
  // run or the shortest, keeps equal lengths in the order given.
  const runs: { pages: number; files: File[]; next: number }[] = [];
  for (const { file, pages } of known) {
    const run = runs.at(-1);
    if (run?.pages === pages) run.files.push(file);
    else runs.push({ pages, files: [file], next: 0 });
  }

  // In integers (BigInt, exact for any batch), the longest fits when
  // (pagesTaken + longest) / (filesTaken + 1) ≤ totalPages / totalFiles.
  const totalPages = BigInt(known.reduce((sum, { pages }) => sum + pages, 0));
  const totalFiles = BigInt(known.length);
  let pagesTaken = 0n;
  let filesTaken = 0n;
  const mixed: File[] = [];
  for (let longest = 0, shortest = runs.length - 1; longest <= shortest; ) {
    const first = runs[longest] as (typeof runs)[number];
    const last = runs[shortest] as (typeof runs)[number];
    const run = (pagesTaken + BigInt(first.pages)) * totalFiles <= totalPages * (filesTaken + 1n) ? first : last;
    mixed.push(run.files[run.next++] as File);
    pagesTaken += BigInt(run.pages);
    filesTaken++;
    if (first.next === first.files.length) longest++;
    if (last.next === last.files.length) shortest--;
  }
  return [...unknown, ...mixed, ...[...ending].map(({ file }) => file)];
}

/**
 * The ending of a mixed batch, from its files of known length sorted longest first (equal lengths
 * in the order given): `ENDING_FILES` lengths picked evenly from the shorter half, and of each
 * length picked, the files given last, so that equal lengths keep their order. Longest first.
 */
function endingOf<Entry extends { pages: number }>(sorted: readonly Entry[]): Set<Entry> {
  const shorter = sorted.slice(Math.floor(sorted.length / 2));
  const count = Math.min(ENDING_FILES, shorter.length);
  const wanted = new Map<number, number>();
  for (let i = 0; i < count; i++) {
    const at = count === 1 ? shorter.length - 1 : Math.round((i * (shorter.length - 1)) / (count - 1));
    const { pages } = shorter[at] as Entry;
    wanted.set(pages, (wanted.get(pages) ?? 0) + 1);
  }
  const ending: Entry[] = [];
  for (let i = sorted.length - 1; i >= 0 && ending.length < count; i--) {
    const entry = sorted[i] as Entry;
    const left = wanted.get(entry.pages) ?? 0;
    if (left === 0) continue;
    wanted.set(entry.pages, left - 1);
    ending.push(entry);
  }
  return new Set(ending.reverse());
}
