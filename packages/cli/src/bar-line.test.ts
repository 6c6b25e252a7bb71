import { describe, expect, it } from "vitest";
import { barLine, columnsOf, shorten } from "./bar-line.js";

const LONG = "scans/2024/quarterly-report-northern-region-final.pdf";
const fields = { value: 2, total: 3, name: LONG, status: "done: 3 pages → results/quarterly-report-northern-region-final.md" };
const shared = { name: columnsOf(LONG), totalDigits: 1 };

describe("barLine", () => {
  it("fits every width, its last column left free, and never cuts the page counts", () => {
    for (const columns of [20, 30, 40, 60, 80, 100, 120, 200]) {
      const line = barLine(fields, shared, columns);
      expect([columns, columnsOf(line) < columns]).toEqual([columns, true]);
      expect(line).toMatch(/^ [\u2588\u2591]+ 2\/3 \|/);
    }
  });

  it("a 24-column bar from 80 columns (and when the terminal gives no size), narrower below", () => {
    expect(barLine(fields, shared, 80)).toMatch(/^ \u2588{16}\u2591{8} 2\/3 \| /);
    expect(barLine(fields, shared, undefined)).toBe(barLine(fields, shared, 80));
    expect(barLine(fields, shared, 40)).toMatch(/^ \u2588{8}\u2591{4} 2\/3 \| /);
  });

  it("gives a wide terminal's room to the whole name, then the status", () => {
    expect(barLine(fields, shared, 200)).toBe(
      ` ${"\u2588".repeat(16)}${"\u2591".repeat(8)} 2/3 | ${LONG} | done: 3 pages → results/quarterly-report-northern-region-final.md`,
    );
    // The name first: at 120 the status is shortened, keeping its start and the path's end.
    expect(barLine(fields, shared, 120)).toMatch(new RegExp(`\\| ${LONG} \\| done: 3 pages → …[\\w-]+-final\\.md$`));
  });

  it("on a narrow terminal shortens the name keeping its end; names of one run share a column", () => {
    const line = barLine(fields, shared, 60);
    expect(line).toMatch(/ 2\/3 \| scans…\S*final\.pdf \| done: 3 pages…$/);
    const short = barLine({ ...fields, name: "a.png", value: 1, total: 1 }, shared, 60);
    expect(short.indexOf(" | done")).toBe(line.indexOf(" | done"));
  });

  it("pads counts to the run's widest total, and shows control characters as ?", () => {
    expect(barLine({ value: 3, total: 9, name: "a\nb\u001b[2J.pdf", status: "running" }, { name: 9, totalDigits: 3 }, 80)).toMatch(
      /\u2591 {5}3\/9 \| a\?b\?\[2J\.pdf \| running$/,
    );
  });
});

describe("shorten", () => {
  it("keeps what fits, the start, the end or both, counting wide characters as two columns", () => {
    expect(shorten("report.pdf", 10, 0.5)).toBe("report.pdf");
    expect(shorten("abcdefghij", 7, 0)).toBe("abcdef…");
    expect(shorten("abcdefghij", 7, 1)).toBe("…efghij");
    expect(shorten("abcdefghij", 7, 0.5)).toBe("abc…hij");
    expect(columnsOf("報告書.pdf")).toBe(10);
    expect(shorten("報告書の最終版.pdf", 9, 0.5)).toBe("報告….pdf");
  });
});
