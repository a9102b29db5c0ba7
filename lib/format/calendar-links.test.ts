import { describe, expect, it } from "vitest";
import { googleCalendarUrl, outlookCalendarUrl } from "./calendar-links.ts";

const event = {
  title: "Launch & party: 50% off?",
  details: "Bring a friend.\nDoors at 9.",
  location: "Hall A, Berlin",
  // 09:00–13:30 in Berlin (CET, UTC+1) is 08:00–12:30 UTC.
  startsAt: new Date("2026-12-01T08:00:00.000Z"),
  endsAt: new Date("2026-12-01T12:30:00.000Z"),
};

describe("calendar links", () => {
  it("builds a Google template link with UTC times, title, details and location", () => {
    const url = new URL(googleCalendarUrl(event));
    expect(url.origin + url.pathname).toBe("https://calendar.google.com/calendar/render");
    expect(url.searchParams.get("action")).toBe("TEMPLATE");
    expect(url.searchParams.get("dates")).toBe("20261201T080000Z/20261201T123000Z");
    expect(url.searchParams.get("text")).toBe("Launch & party: 50% off?");
    expect(url.searchParams.get("details")).toBe("Bring a friend.\nDoors at 9.");
    expect(url.searchParams.get("location")).toBe("Hall A, Berlin");
    // Special characters are encoded, not left to end the parameter early.
    expect(googleCalendarUrl(event)).toContain("text=Launch+%26+party%3A+50%25+off%3F");
  });

  it("builds an Outlook compose link with ISO UTC times", () => {
    const url = new URL(outlookCalendarUrl(event));
    expect(url.origin + url.pathname).toBe("https://outlook.live.com/calendar/0/deeplink/compose");
    expect(url.searchParams.get("rru")).toBe("addevent");
    expect(url.searchParams.get("startdt")).toBe("2026-12-01T08:00:00Z");
    expect(url.searchParams.get("enddt")).toBe("2026-12-01T12:30:00Z");
    expect(url.searchParams.get("subject")).toBe(event.title);
    expect(url.searchParams.get("body")).toBe(event.details);
    expect(url.searchParams.get("location")).toBe("Hall A, Berlin");
  });

  it("leaves out an unknown location and cuts very long details", () => {
    const bare = { ...event, location: null, details: "x".repeat(5_000) };
    expect(new URL(googleCalendarUrl(bare)).searchParams.has("location")).toBe(false);
    expect(new URL(outlookCalendarUrl(bare)).searchParams.has("location")).toBe(false);
    expect(new URL(googleCalendarUrl(bare)).searchParams.get("details")).toHaveLength(1_000);
  });
});
