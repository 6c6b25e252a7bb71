/** What one file's progress bar shows. */
export interface BarFields {
  /** Pages done. */
  value: number;
  /** Pages in all (1 until the job says). */
  total: number;
  /** The file. */
  name: string;
  /** Its state in words: "running (job_…)", "done: 3 pages → out/report.md". */
  status: string;
}

/** Widths every bar of a run shares, so their columns line up. */
export interface SharedWidths {
  /** The widest file name, in terminal columns. */
  name: number;
  /** The most digits of any bar's page total. */
  totalDigits: number;
}

/** Columns assumed when the terminal does not say (a pseudo-terminal without a size). */
const DEFAULT_COLUMNS = 80;
const MAX_BAR = 24;
const MIN_BAR = 10;
/** The name keeps at least this many columns (when it is that long) however narrow the terminal. */
const MIN_NAME = 12;
/** Room the status keeps, at most, before the name gets the rest. */
const STATUS_ROOM = 24;

/**
 * One bar as a line that fits a terminal of `columns` (its last column left free, where some
 * terminals wrap): ` ████░░░ 2/3 | name | status`. The bar is 24 wide, less on narrow terminals;
 * a wider terminal gives the name and then the status more room. What does not fit is shortened in
 * this order: the status (keeping its start, and the end of a path after "→"), then the name
 * (keeping its end, extension included); the page counts are never cut.
 */
export function barLine(fields: BarFields, shared: SharedWidths, columns: number | undefined): string {
  const width = columns && columns > 0 ? columns : DEFAULT_COLUMNS;
  const usable = width - 1;
  const barSize = Math.min(MAX_BAR, Math.max(MIN_BAR, Math.round(width * 0.3)));
  const done = fields.total > 0 ? Math.min(1, Math.max(0, fields.value / fields.total)) : 0;
  const filled = Math.round(done * barSize);
  const digits = Math.max(shared.totalDigits, String(fields.total).length);
  const counts = `${String(fields.value).padStart(String(fields.total).length)}/${fields.total}`.padStart(2 * digits + 1);
  const head = ` ${"\u2588".repeat(filled)}${"\u2591".repeat(barSize - filled)} ${counts}`;
  const name = printable(fields.name);
  const room = usable - columnsOf(head) - 6; // two " | "
  if (room < MIN_NAME) return shorten(`${head} | ${name}`, usable, 0); // too narrow for both: the counts, then what fits
  const nameWidth = Math.min(
    Math.max(shared.name, columnsOf(name)),
    Math.max(Math.min(MIN_NAME, columnsOf(name)), room - Math.min(STATUS_ROOM, Math.floor(room / 2))),
  );
  const shownName = padEnd(shorten(name, nameWidth, 2 / 3), nameWidth);
  const status = room > nameWidth ? shortenStatus(printable(fields.status), room - nameWidth) : "";
  return (status ? `${head} | ${shownName} | ${status}` : `${head} | ${shownName}`).trimEnd();
}

/** A status in `max` columns: its start, or for "done: 3 pages → path", the start and the path's end. */
function shortenStatus(status: string, max: number): string {
  const arrow = status.indexOf(" → ");
  if (columnsOf(status) <= max || arrow < 0) return shorten(status, max, 0);
  const left = status.slice(0, arrow + 3);
  const pathRoom = max - columnsOf(left);
  return pathRoom >= 8 ? `${left}${shorten(status.slice(arrow + 3), pathRoom, 1)}` : shorten(status, max, 0);
}

/**
 * `text` in at most `max` columns: whole if it fits, else with "…" in place of its middle, keeping
 * `tailShare` of the kept columns from its end (0: cut the end, 1: keep only the end).
 */
export function shorten(text: string, max: number, tailShare: number): string {
  if (columnsOf(text) <= max) return text;
  if (max <= 0) return "";
  const keep = max - 1;
  const tailColumns = Math.round(keep * tailShare);
  const chars = [...text];
  const tail = takeColumns([...chars].reverse(), tailColumns).reverse();
  return `${takeColumns(chars, keep - tailColumns)
    .join("")
    .trimEnd()}…${tail.join("").trimStart()}`;
}

/** The first of `chars` that fit in `max` columns. */
function takeColumns(chars: readonly string[], max: number): string[] {
  const taken: string[] = [];
  let used = 0;
  for (const char of chars) {
    const width = columnsOf(char);
    if (used + width > max) break;
    taken.push(char);
    used += width;
  }
  return taken;
}

function padEnd(text: string, columns: number): string {
  return text + " ".repeat(Math.max(0, columns - columnsOf(text)));
}

/** Control characters (a newline or an escape in a file name) shown as "?", so a line stays one line. */
function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it replaces
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, "?");
}

/**
 * Terminal columns `text` takes: 2 for East Asian wide characters and emoji, 0 for combining marks,
 * 1 for the rest.
 */
export function columnsOf(text: string): number {
  let columns = 0;
  for (const char of text) {
    const code = char.codePointAt(0) as number;
    if (/\p{Mn}|\p{Me}|\u200b|\u200d|\ufe0f/u.test(char)) continue;
    columns += isWide(code) ? 2 : 1;
  }
  return columns;
}

function isWide(code: number): boolean {
  return (
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0xa4cf && code !== 0x303f) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x1f300 && code <= 0x1f64f) ||
    (code >= 0x1f900 && code <= 0x1f9ff) ||
    (code >= 0x20000 && code <= 0x3fffd)
  );
}
