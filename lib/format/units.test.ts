import { describe, expect, it } from "vitest";
import { formatAgo, formatBytes } from "./units.ts";

describe("formatBytes", () => {
  it("uses binary units with one decimal below ten", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(1023)).toBe("1023 B");
    expect(formatBytes(1536)).toBe("1.5 KB");
    expect(formatBytes(8_300_000)).toBe("7.9 MB");
    expect(formatBytes(300 * 1024 * 1024)).toBe("300 MB");
    expect(formatBytes(-1)).toBe("—");
  });
});

describe("formatAgo", () => {
  const now = new Date("2026-11-23T12:00:00Z");
  it("reads like a person would say it", () => {
    expect(formatAgo(null, now)).toBe("never");
    expect(formatAgo(new Date("2026-11-23T11:59:30Z"), now)).toBe("just now");
    expect(formatAgo(new Date("2026-11-23T11:55:00Z"), now)).toBe("5 min ago");
    expect(formatAgo(new Date("2026-11-23T09:00:00Z"), now)).toBe("3 h ago");
    expect(formatAgo(new Date("2026-11-22T12:00:00Z"), now)).toBe("1 day ago");
    expect(formatAgo(new Date("2026-11-11T12:00:00Z"), now)).toBe("12 days ago");
    expect(formatAgo(new Date("2026-11-23T15:00:00Z"), now)).toBe("in 3 h");
  });
});
