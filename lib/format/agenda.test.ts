import { describe, expect, it } from "vitest";
import { agendaDays, startTime } from "./agenda.ts";

describe("agendaDays", () => {
  it("groups events by the day they start on in their own zone, keeping their order", () => {
    const events = [
      { id: "a", startsAt: new Date("2026-12-08T09:00:00Z"), timeZone: "UTC" },
      { id: "b", startsAt: new Date("2026-12-08T18:00:00Z"), timeZone: "UTC" },
      // 01:30 UTC on the 9th is still the evening of the 8th in New York.
      { id: "c", startsAt: new Date("2026-12-09T01:30:00Z"), timeZone: "America/New_York" },
      { id: "d", startsAt: new Date("2026-12-10T10:00:00Z"), timeZone: "UTC" },
    ];
    const days = agendaDays(events);
    expect(days.map((d) => [d.key, d.events.map((e) => e.id)])).toEqual([
      ["2026-12-08", ["a", "b", "c"]],
      ["2026-12-10", ["d"]],
    ]);
    expect(days[0]?.label).toBe("Tuesday, 8 December 2026");
    expect(startTime(events[2]!.startsAt, "America/New_York")).toBe("20:30");
  });
});
