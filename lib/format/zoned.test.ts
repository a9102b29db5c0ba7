import { describe, expect, it } from "vitest";
import { instantToZoned, zonedToInstant } from "./zoned.ts";

const at = (local: string, tz: string) => {
  const r = zonedToInstant(local, tz);
  if (!r.ok) throw new Error(r.message);
  return r.date.toISOString();
};

describe("zoned times", () => {
  it("converts wall-clock times in named zones, winter and summer", () => {
    expect(at("2026-12-01T09:00", "Europe/Berlin")).toBe("2026-12-01T08:00:00.000Z");
    expect(at("2026-07-01T09:00", "Europe/Berlin")).toBe("2026-07-01T07:00:00.000Z");
    expect(at("2026-12-01T09:00", "America/New_York")).toBe("2026-12-01T14:00:00.000Z");
    expect(at("2026-12-01T09:00", "Asia/Kolkata")).toBe("2026-12-01T03:30:00.000Z");
    expect(at("2026-12-01T09:00", "UTC")).toBe("2026-12-01T09:00:00.000Z");
  });

  it("refuses a time skipped by the clocks going forward; takes the first of a repeated hour", () => {
    const gap = zonedToInstant("2026-03-29T02:30", "Europe/Berlin");
    expect(gap).toMatchObject({ ok: false, message: expect.stringContaining("does not exist in Europe/Berlin") });
    expect(at("2026-10-25T02:30", "Europe/Berlin")).toBe("2026-10-25T00:30:00.000Z");
  });

  it("refuses nonsense and unknown zones with what to do", () => {
    expect(zonedToInstant("2026-02-30T10:00", "UTC")).toMatchObject({
      ok: false,
      message: expect.stringContaining("not a real date"),
    });
    expect(zonedToInstant("tomorrow", "UTC")).toMatchObject({
      ok: false,
      message: expect.stringContaining("2026-12-01T09:00"),
    });
    expect(zonedToInstant("2026-12-01T09:00", "Mars/Olympus")).toMatchObject({
      ok: false,
      message: expect.stringContaining("not a time zone"),
    });
  });

  it("shows an instant back in the zone it was entered in", () => {
    expect(instantToZoned(new Date("2026-07-01T07:00:00Z"), "Europe/Berlin")).toBe("2026-07-01T09:00");
    expect(instantToZoned(new Date("2026-12-01T14:00:00Z"), "America/New_York")).toBe("2026-12-01T09:00");
  });
});
