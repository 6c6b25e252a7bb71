/** The order workers take a queue's files in (`AddOptions.order`). */
export type FileOrder = "longest-first" | "as-added";

/** BullMQ's largest priority number: the lowest priority (lower numbers are taken first). */
const LOWEST_PRIORITY = 2 ** 21;

/**
 * The BullMQ priority of a file of `pages` pages to read. Longest first: the last files of a batch
 * are then the short ones, and the key's active-job slots empty close together instead of a few
 * long jobs running on alone (docs/benchmarks.md §6, item 6). A file whose pages are unknown gets
 * none: BullMQ takes files without a priority before any with one, as if they were the longest.
 * Files of equal priority keep the order they were added in.
 */
export function priorityOf(pages: number | undefined, order: FileOrder): number | undefined {
  if (order === "as-added" || pages === undefined) return undefined;
  return LOWEST_PRIORITY - Math.min(Math.max(1, pages), LOWEST_PRIORITY - 1);
}
