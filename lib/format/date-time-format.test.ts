import { describe, expect, it } from "vitest";
import { dateTimeFormat } from "./date-time-format.ts";
import { formatDateParts, formatEventTime, formatInstant } from "./event-time.ts";

describe("dateTimeFormat", () => {
  it("makes one formatter per locale and options, and formats as a fresh one does", () => {
    const a = dateTimeFormat("en-GB", { timeZone: "Europe/Berlin", hour: "2-digit", minute: "2-digit" });
    expect(dateTimeFormat("en-GB", { timeZone: "Europe/Berlin", hour: "2-digit", minute: "2-digit" })).toBe(a);
    expect(dateTimeFormat("en-GB", { timeZone: "America/New_York", hour: "2-digit", minute: "2-digit" })).not.toBe(a);
    expect(dateTimeFormat("en-US", { timeZone: "Europe/Berlin", hour: "2-digit", minute: "2-digit" })).not.toBe(a);
    const at = new Date("2026-12-01T08:00:00Z");
    expect(a.format(at)).toBe(
      new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/Berlin", hour: "2-digit", minute: "2-digit" }).format(at),
    );
  });

  it("keeps event times right in each event's own zone when formatters are shared", () => {
    const start = new Date("2026-12-01T08:00:00Z");
    const end = new Date("2026-12-01T12:00:00Z");
    expect(formatEventTime(start, end, "Europe/Berlin", "en")).toBe("Tue, 1 Dec 2026, 09:00–13:00 CET");
    expect(formatEventTime(start, end, "America/New_York", "en")).toBe("Tue, 1 Dec 2026, 03:00–07:00 GMT-5");
    expect(formatEventTime(start, end, "Europe/Berlin", "en")).toBe("Tue, 1 Dec 2026, 09:00–13:00 CET");
  });

  it("formats in the reader's language, still in the event's zone", () => {
    const start = new Date("2026-12-01T08:00:00Z");
    const end = new Date("2026-12-01T12:00:00Z");
    expect(formatEventTime(start, end, "Europe/Berlin", "de")).toBe("Di., 1. Dez. 2026, 09:00–13:00 MEZ");
    expect(formatEventTime(start, end, "Europe/Berlin", "fr")).toBe("mar. 1 déc. 2026, 09:00–13:00 UTC+1");
    expect(formatDateParts(start, "Europe/Berlin", "de")).toEqual({ day: "1", month: "Dez" });
    expect(formatInstant(start, "de")).toBe("1. Dez. 2026, 08:00");
    expect(formatInstant(start, "en")).toBe("1 Dec 2026, 08:00");
  });
});
