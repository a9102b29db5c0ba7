import { describe, expect, it } from "vitest";
import { formatZonedInstant, viewerTime } from "./event-time.ts";

// 2026-12-01 13:00 UTC: 08:00 in New York, 14:00 in Berlin, 00:00 on 2 December in Auckland.
const start = new Date("2026-12-01T13:00:00Z");

describe("viewerTime", () => {
  it("names the viewer's own time and zone when it differs from the event's", () => {
    expect(viewerTime(start, "America/New_York", "Europe/Berlin", "en")).toBe("14:00 in your time, Europe/Berlin");
  });

  it("adds the day when the viewer's date is another", () => {
    expect(viewerTime(start, "America/New_York", "Pacific/Auckland", "en")).toBe(
      "Wed 2 Dec, 02:00 in your time, Pacific/Auckland",
    );
  });

  it("says nothing in the event's own zone, or where the clock reads the same", () => {
    expect(viewerTime(start, "Europe/Berlin", "Europe/Berlin", "en")).toBeNull();
    expect(viewerTime(start, "Europe/Berlin", "Europe/Paris", "en")).toBeNull();
    expect(viewerTime(start, "Europe/Berlin", "", "en")).toBeNull();
  });

  it("says nothing for a zone the runtime does not know", () => {
    expect(viewerTime(start, "Europe/Berlin", "Mars/Olympus_Mons", "en")).toBeNull();
  });
});

describe("formatZonedInstant", () => {
  it("shows one instant in the event's zone, named, in the reader's language", () => {
    expect(formatZonedInstant(start, "Europe/Berlin", "en")).toMatch(/^Tue,? 1 Dec 2026, 14:00 (CET|GMT\+1)$/);
    expect(formatZonedInstant(start, "Europe/Berlin", "de")).toMatch(/^Di\., 1\. Dez\. 2026, 14:00 (MEZ|GMT\+1)$/);
    expect(formatZonedInstant(start, "America/New_York", "fr")).toMatch(/^mar\. 1 déc\. 2026, 08:00 (UTC−5|HNE)$/);
  });
});
