import { describe, expect, it } from "vitest";
import { eventIcs } from "./ics.ts";

describe("eventIcs", () => {
  const base = {
    uid: "e1@acme.localhost",
    title: "Launch; party, 2026",
    description: "Line one\nLine two",
    location: "Hall A",
    url: "https://acme.localhost/events/launch",
    startsAt: new Date("2026-12-01T08:00:00Z"),
    endsAt: new Date("2026-12-01T12:30:00Z"),
    cancelled: false,
    updatedAt: new Date("2026-11-23T10:00:00Z"),
  };

  it("writes UTC times, escapes text and uses CRLF", () => {
    const ics = eventIcs(base, "Acme");
    expect(ics).toContain("DTSTART:20261201T080000Z\r\n");
    expect(ics).toContain("DTEND:20261201T123000Z\r\n");
    expect(ics).toContain("SUMMARY:Launch\\; party\\, 2026\r\n");
    expect(ics).toContain("DESCRIPTION:Line one\\nLine two\r\n");
    expect(ics.startsWith("BEGIN:VCALENDAR\r\n") && ics.endsWith("END:VCALENDAR\r\n")).toBe(true);
  });

  it("folds long lines at 75 octets without splitting characters, and marks cancelled events", () => {
    const ics = eventIcs({ ...base, description: "é".repeat(100), cancelled: true }, "Acme");
    for (const line of ics.split("\r\n")) expect(Buffer.byteLength(line, "utf8")).toBeLessThanOrEqual(75);
    expect(ics.replace(/\r\n /g, "")).toContain(`DESCRIPTION:${"é".repeat(100)}`);
    expect(ics).toContain("STATUS:CANCELLED");
  });
});
