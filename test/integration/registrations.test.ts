import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TenantDb } from "../../lib/db/tenant-db.server.ts";
import type { PooledClient } from "../../lib/db/client-cache.ts";
import { cancelRegistration, checkIn, registerForEvent, setCapacity } from "../../lib/portal/registrations.server.ts";
import { provisionTenant } from "../../lib/provisioning/provision.server.ts";
import { parseTenantSpec } from "../../lib/provisioning/spec.ts";
import { FALLBACK_THEME } from "../../lib/tenancy/theme.ts";
import { openTenantDb, testControlPlane, type TestControlPlane } from "../support/databases.ts";

/** Capacity, waitlist and promotion against a real tenant database, under real concurrency. */
let cp: TestControlPlane;
let pooled: PooledClient<TenantDb>;
let db: TenantDb;

async function event(slug: string, capacity: number | null, extra: Record<string, unknown> = {}) {
  const startsAt = new Date(Date.now() + 7 * 86_400_000);
  return db.event.create({
    data: {
      slug,
      title: slug,
      startsAt,
      endsAt: new Date(startsAt.getTime() + 3_600_000),
      timeZone: "Europe/Berlin",
      capacity,
      status: "published",
      ...extra,
    },
  });
}

const person = (i: number) => ({ userId: null, email: `Person${i}@Example.com`, name: `Person ${i}` });

beforeAll(async () => {
  cp = await testControlPlane();
  const { tenantId } = await provisionTenant(
    cp.deps,
    parseTenantSpec({ slug: cp.slug("events"), name: "Events", theme: FALLBACK_THEME }),
    { mode: "create", seed: false },
  );
  // A pool wide enough that the 50 registrations really run at once.
  pooled = await openTenantDb(cp, tenantId, "registrations-test", 12);
  db = pooled.client;
});
afterAll(async () => {
  await pooled?.close();
  await cp?.cleanup();
});

describe("registration under concurrency", () => {
  it("50 simultaneous registrations for 10 seats: exactly 10 confirmed and 40 waitlisted, in arrival order", async () => {
    const e = await event("race", 10);
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        registerForEvent(db, { eventId: e.id, registrant: person(i), answers: {} }, { waitlist: true }),
      ),
    );
    expect(outcomes.filter((o) => o.status === "confirmed")).toHaveLength(10);
    expect(outcomes.filter((o) => o.status === "waitlisted")).toHaveLength(40);
    const rows = await db.registration.groupBy({ by: ["status"], where: { eventId: e.id }, _count: true });
    expect(Object.fromEntries(rows.map((r) => [r.status, r._count]))).toEqual({ confirmed: 10, waitlisted: 40 });
    // Every confirmed registration was created before every waitlisted one.
    const all = await db.registration.findMany({
      where: { eventId: e.id },
      orderBy: { createdAt: "asc" },
      select: { status: true },
    });
    expect(all.slice(0, 10).every((r) => r.status === "confirmed")).toBe(true);
  });

  it("a double click registers once; the same person gets the same ticket", async () => {
    const e = await event("double", 5);
    const [a, b] = await Promise.all(
      [0, 1].map(() => registerForEvent(db, { eventId: e.id, registrant: person(1), answers: {} }, { waitlist: true })),
    );
    expect(a?.ticketCode).toBe(b?.ticketCode);
    expect([a?.created, b?.created].sort()).toEqual([false, true]);
    expect(await db.registration.count({ where: { eventId: e.id } })).toBe(1);
  });

  it("cancelling a confirmed place promotes the first on the waitlist, once, even when cancellations race", async () => {
    const e = await event("promote", 2);
    const regs = [];
    for (let i = 0; i < 5; i++)
      regs.push(await registerForEvent(db, { eventId: e.id, registrant: person(i), answers: {} }, { waitlist: true }));
    expect(regs.map((r) => r.status)).toEqual(["confirmed", "confirmed", "waitlisted", "waitlisted", "waitlisted"]);
    const [first, again] = await Promise.all([
      cancelRegistration(db, regs[0]!.registrationId),
      cancelRegistration(db, regs[0]!.registrationId),
    ]);
    expect([first.cancelled, again.cancelled].sort()).toEqual([false, true]);
    expect([...first.promoted, ...again.promoted].map((p) => p.email)).toEqual(["person2@example.com"]);
    const status = await db.registration.findMany({
      where: { eventId: e.id },
      orderBy: { email: "asc" },
      select: { email: true, status: true },
    });
    expect(status.map((s) => s.status)).toEqual(["cancelled", "confirmed", "confirmed", "waitlisted", "waitlisted"]);
  });

  it("capacity cannot go below the confirmed count; raising it promotes from the waitlist", async () => {
    const e = await event("capacity", 3);
    for (let i = 0; i < 6; i++)
      await registerForEvent(db, { eventId: e.id, registrant: person(i), answers: {} }, { waitlist: true });
    await expect(setCapacity(db, e.id, 2)).rejects.toThrow(
      "3 people already have a confirmed place; capacity cannot go below 3",
    );
    expect((await db.event.findUniqueOrThrow({ where: { id: e.id } })).capacity).toBe(3);
    const { promoted } = await setCapacity(db, e.id, 5);
    expect(promoted.map((p) => p.email)).toEqual(["person3@example.com", "person4@example.com"]);
  });

  it("without the waitlist feature a full event refuses; closed and cancelled events refuse; questions are checked", async () => {
    const full = await event("full", 1);
    await registerForEvent(db, { eventId: full.id, registrant: person(1), answers: {} }, { waitlist: false });
    await expect(
      registerForEvent(db, { eventId: full.id, registrant: person(2), answers: {} }, { waitlist: false }),
    ).rejects.toThrow("This event is full.");
    const closed = await event("closed", null, { registrationClosesAt: new Date(Date.now() - 1_000) });
    await expect(
      registerForEvent(db, { eventId: closed.id, registrant: person(1), answers: {} }, { waitlist: true }),
    ).rejects.toThrow("Registration for this event has closed.");
    const cancelled = await event("cancelled", null, { status: "cancelled" });
    await expect(
      registerForEvent(db, { eventId: cancelled.id, registrant: person(1), answers: {} }, { waitlist: true }),
    ).rejects.toThrow("cancelled");
    const asked = await event("asked", null, {
      questions: [
        { id: "diet", label: "Dietary needs", kind: "choice", required: true, options: ["none", "vegetarian"] },
      ],
    });
    await expect(
      registerForEvent(db, { eventId: asked.id, registrant: person(1), answers: {} }, { waitlist: true }),
    ).rejects.toThrow('Answer "Dietary needs".');
    await expect(
      registerForEvent(db, { eventId: asked.id, registrant: person(1), answers: { diet: "meat" } }, { waitlist: true }),
    ).rejects.toThrow("Choose one of the options");
    const ok = await registerForEvent(
      db,
      { eventId: asked.id, registrant: person(1), answers: { diet: "vegetarian" } },
      { waitlist: true },
    );
    expect((await db.registration.findUniqueOrThrow({ where: { id: ok.registrationId } })).answers).toEqual({
      diet: "vegetarian",
    });
  });

  it("checks a ticket in once; unknown, foreign and unconfirmed tickets are refused with a reason", async () => {
    const e = await event("door", 1);
    const other = await event("other-door", null);
    const seat = await registerForEvent(db, { eventId: e.id, registrant: person(1), answers: {} }, { waitlist: true });
    const waiting = await registerForEvent(
      db,
      { eventId: e.id, registrant: person(2), answers: {} },
      { waitlist: true },
    );
    expect(await checkIn(db, e.id, seat.ticketCode)).toEqual({ ok: true, name: "Person 1", already: null });
    const { checkedInAt } = await db.registration.findUniqueOrThrow({ where: { ticketCode: seat.ticketCode } });
    // A repeat says when the ticket was first checked in, for the door's warning.
    expect(await checkIn(db, e.id, seat.ticketCode)).toEqual({ ok: true, name: "Person 1", already: checkedInAt });
    expect(await checkIn(db, other.id, seat.ticketCode)).toEqual({
      ok: false,
      message: "No ticket with that code for this event.",
    });
    expect(await checkIn(db, e.id, waiting.ticketCode)).toMatchObject({
      ok: false,
      message: expect.stringContaining("waitlisted"),
    });
    expect(await checkIn(db, e.id, "<script>")).toMatchObject({ ok: false });
  });
});

describe("the team", () => {
  it("never loses its last owner, even when two owners remove each other at once; admins cannot touch owners", async () => {
    const { changeRoleIn, removeIn, TeamRefused } = await import("../../lib/portal/team.server.ts");
    const [a, b, admin] = await Promise.all(
      [
        ["a@team.example", "owner"],
        ["b@team.example", "owner"],
        ["c@team.example", "admin"],
      ].map(([email, role]) =>
        db.user.create({ data: { email: email as string, name: email as string, role: role as "owner" | "admin" } }),
      ),
    );
    await expect(removeIn(db, { role: "admin" }, a!.id)).rejects.toThrow("Only an owner can remove an owner.");
    await expect(changeRoleIn(db, { role: "admin" }, admin!.id, "owner")).rejects.toThrow("Only an owner can change");
    const results = await Promise.allSettled([
      removeIn(db, { role: "owner" }, a!.id),
      removeIn(db, { role: "owner" }, b!.id),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const refused = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(TeamRefused);
    expect((refused.reason as Error).message).toBe(
      "This is the portal's last owner: make someone else an owner first.",
    );
    expect(await db.user.count({ where: { role: "owner", active: true } })).toBe(1);
    const last = await db.user.findFirstOrThrow({ where: { role: "owner", active: true } });
    await expect(changeRoleIn(db, { role: "owner" }, last.id, "admin")).rejects.toThrow("last owner");
    // With a second owner, the first may step down; their sessions end (session version bumped).
    await changeRoleIn(db, { role: "owner" }, admin!.id, "owner");
    const before = last.sessionVersion;
    await changeRoleIn(db, { role: "owner" }, last.id, "staff");
    expect((await db.user.findUniqueOrThrow({ where: { id: last.id } })).sessionVersion).toBe(before + 1);
  });
});

describe("plan gates", () => {
  it("each plan's features decide, in one place, what the portal offers", async () => {
    const { hasFeature, requireFeature, FeatureUnavailable } = await import("../../lib/portal/features.server.ts");
    const starter = { plan: "starter" };
    const standard = { plan: "standard" };
    const premium = { plan: "premium" };
    expect(
      ["waitlist", "csv-export", "custom-questions", "custom-domain"].map((f) => hasFeature(starter, f as never)),
    ).toEqual([false, false, false, false]);
    expect(
      ["waitlist", "csv-export", "custom-questions", "custom-domain"].map((f) => hasFeature(standard, f as never)),
    ).toEqual([true, true, false, false]);
    expect(
      ["waitlist", "csv-export", "custom-questions", "custom-domain"].map((f) => hasFeature(premium, f as never)),
    ).toEqual([true, true, true, true]);
    expect(hasFeature({ plan: "unknown" }, "waitlist")).toBe(false);
    expect(() => requireFeature(starter, "csv-export")).toThrow(FeatureUnavailable);
    expect(() => requireFeature(starter, "csv-export")).toThrow(
      "CSV exports of attendees are not part of the Starter plan. Ask your agency about upgrading.",
    );
    expect(() => requireFeature(premium, "csv-export")).not.toThrow();
  });

  it("the waitlist gate applies to a full event: a starter portal refuses, a standard one waitlists", async () => {
    const { hasFeature } = await import("../../lib/portal/features.server.ts");
    const e = await event("gated", 1);
    await registerForEvent(
      db,
      { eventId: e.id, registrant: person(1), answers: {} },
      { waitlist: hasFeature({ plan: "starter" }, "waitlist") },
    );
    await expect(
      registerForEvent(
        db,
        { eventId: e.id, registrant: person(2), answers: {} },
        { waitlist: hasFeature({ plan: "starter" }, "waitlist") },
      ),
    ).rejects.toThrow("This event is full.");
    const waited = await registerForEvent(
      db,
      { eventId: e.id, registrant: person(2), answers: {} },
      { waitlist: hasFeature({ plan: "standard" }, "waitlist") },
    );
    expect(waited.status).toBe("waitlisted");
  });
});
