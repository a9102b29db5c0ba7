import { describe, expect, it } from "vitest";
import { csvCell, csvRow } from "./csv.ts";

describe("csv", () => {
  it("quotes every cell and doubles quotes", () => {
    expect(csvRow(["Ada", 'Say "hi", please', null, 3])).toBe('"Ada","Say ""hi"", please","","3"\r\n');
  });

  it("defuses formulas (formula injection)", () => {
    for (const evil of ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
      expect(csvCell(evil).startsWith(`"'`)).toBe(true);
    expect(csvCell("a=b")).toBe('"a=b"');
    expect(csvCell(new Date("2026-12-01T08:00:00Z"))).toBe('"2026-12-01T08:00:00.000Z"');
  });
});
