import { describe, expect, it } from "vitest";
import { missedSchedule, retentionFor, scheduledBackupDue } from "./tiers.ts";

const at = (iso: string) => new Date(iso);
const days = (from: Date, to: Date) => Math.round((to.getTime() - from.getTime()) / 86_400_000);

describe("retentionFor", () => {
  it.each([
    // plan, time, tier, days kept
    ["premium", "2026-12-01T02:00:00Z", "monthly", 365], // the 1st: 12 months
    ["premium", "2026-12-06T02:00:00Z", "weekly", 28], // a Sunday: 4 weeks
    ["premium", "2026-12-07T02:00:00Z", "daily", 7],
    ["standard", "2026-12-01T02:00:00Z", "weekly", 28], // the 1st, no monthly tier: kept as a weekly
    ["standard", "2026-11-01T02:00:00Z", "weekly", 28], // a Sunday and the 1st: monthly → weekly
    ["standard", "2026-12-06T02:00:00Z", "weekly", 28],
    ["starter", "2026-11-01T02:00:00Z", "daily", 7], // monthly → weekly → daily
    ["starter", "2026-12-06T02:00:00Z", "daily", 7],
    ["no-such-plan", "2026-12-06T02:00:00Z", "daily", 7], // an unknown plan keeps the least
  ])("%s at %s is %s, kept %i days", (plan, time, tier, kept) => {
    const when = at(time);
    const result = retentionFor(plan, when);
    expect(result.tier).toBe(tier);
    expect(days(when, result.expiresAt)).toBe(kept);
  });
});

describe("missedSchedule", () => {
  const now = at("2026-12-05T12:00:00Z");
  it("flags a tenant whose last success is older than 26 hours, not one within", () => {
    expect(missedSchedule(at("2026-12-04T09:59:00Z"), at("2026-01-01T00:00:00Z"), now)).toBe(true);
    expect(missedSchedule(at("2026-12-04T10:01:00Z"), at("2026-01-01T00:00:00Z"), now)).toBe(false);
  });
  it("counts a tenant never backed up from its creation", () => {
    expect(missedSchedule(null, at("2026-12-05T11:00:00Z"), now)).toBe(false);
    expect(missedSchedule(null, at("2026-12-03T11:00:00Z"), now)).toBe(true);
  });
});

describe("scheduledBackupDue", () => {
  const now = at("2026-12-05T12:00:00Z");
  it("is due with no backup or one 23 hours old, not one 22 hours old", () => {
    expect(scheduledBackupDue(null, now)).toBe(true);
    expect(scheduledBackupDue(at("2026-12-04T13:00:00Z"), now)).toBe(true);
    expect(scheduledBackupDue(at("2026-12-04T14:00:00Z"), now)).toBe(false);
  });
});
