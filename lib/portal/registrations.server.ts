import "server-only";
import { randomBytes } from "node:crypto";
import type { TenantDb } from "../db/tenant-db.server.ts";
import { formatZonedInstant } from "../format/event-time.ts";
import { InvalidInput } from "../util/errors.ts";
import { checkAnswers, parseQuestions } from "./questions.ts";

/**
 * Registration with capacity and a waitlist, correct under concurrency: every change that can
 * move a seat takes a row lock on the event first (SELECT … FOR UPDATE), so registrations,
 * cancellations and capacity changes for one event are serialised while other events proceed.
 */

export class RegistrationRefused extends InvalidInput {}

export type RegistrationOutcome = {
  registrationId: string;
  status: "confirmed" | "waitlisted" | "pending";
  /** False when the person was already registered: a double click registers once. */
  created: boolean;
  ticketCode: string;
};

export interface Registrant {
  userId: string | null;
  email: string;
  name: string;
}

interface LockedEvent {
  id: string;
  title: string;
  status: "draft" | "published" | "cancelled";
  capacity: number | null;
  startsAt: Date;
  endsAt: Date;
  registrationOpensAt: Date | null;
  registrationClosesAt: Date | null;
  timeZone: string;
  questions: unknown;
}

export type Tx = Parameters<Parameters<TenantDb["$transaction"]>[0]>[0];

/**
 * Runs inside the change's own transaction, with what it decided: where the emails it causes are
 * queued in the tenant's outbox (docs/decisions/040), so the change and its mail commit together.
 */
export type InTransaction<R> = (tx: Tx, result: R) => Promise<void>;

async function lockEvent(tx: Tx, eventId: string): Promise<LockedEvent> {
  const rows = await tx.$queryRaw<LockedEvent[]>`
    SELECT id, title, status::text AS status, capacity, "startsAt", "endsAt", "registrationOpensAt", "registrationClosesAt", "timeZone", questions
    FROM "Event" WHERE id = ${eventId}::uuid FOR UPDATE`;
  const event = rows[0];
  if (!event) throw new RegistrationRefused("This event does not exist.");
  return event;
}

/** Why registration is closed now, as data a page words in its reader's language. */
export type RegistrationClosure = { reason: "eventCancelled" | "notOpen" | "closed" } | { reason: "opensOn"; at: Date };

/** Why registration is closed now, or null when it is open. */
export function registrationClosure(
  event: Pick<LockedEvent, "status" | "startsAt" | "registrationOpensAt" | "registrationClosesAt">,
  now = new Date(),
): RegistrationClosure | null {
  if (event.status === "cancelled") return { reason: "eventCancelled" };
  if (event.status !== "published") return { reason: "notOpen" };
  if (event.registrationOpensAt && now < event.registrationOpensAt)
    return { reason: "opensOn", at: event.registrationOpensAt };
  const closes = event.registrationClosesAt ?? event.startsAt;
  if (now >= closes) return { reason: "closed" };
  return null;
}

const CLOSED_IN_ENGLISH = {
  eventCancelled: "This event has been cancelled.",
  notOpen: "This event is not open for registration.",
  closed: "Registration for this event has closed.",
} as const;

/**
 * Why registration is closed now, in English (the catalogues' `server` sentences), or null when
 * it is open; the opening time in the event's own zone. Pages word `registrationClosure` instead.
 */
export function registrationClosedReason(
  event: Pick<LockedEvent, "status" | "startsAt" | "registrationOpensAt" | "registrationClosesAt" | "timeZone">,
  now = new Date(),
): string | null {
  const closure = registrationClosure(event, now);
  if (!closure) return null;
  return closure.reason === "opensOn"
    ? `Registration opens on ${formatZonedInstant(closure.at, event.timeZone, "en")}.`
    : CLOSED_IN_ENGLISH[closure.reason];
}

function ticketCode(): string {
  return randomBytes(15).toString("base64url"); // 20 characters, 120 bits
}

/**
 * Registers someone for an event. Confirmed while seats remain; then waitlisted when the plan has
 * waitlists, else refused as full. Guests start `pending` until they confirm their email (a
 * pending registration holds no seat). Registering again returns the existing registration.
 */
export async function registerForEvent(
  db: TenantDb,
  input: {
    eventId: string;
    registrant: Registrant;
    answers: Record<string, unknown>;
    guest?: { confirmTokenHash: string };
  },
  options: { waitlist: boolean; now?: Date },
  then?: InTransaction<RegistrationOutcome>,
): Promise<RegistrationOutcome> {
  const email = input.registrant.email.trim().toLowerCase();
  return db.$transaction(async (tx) => {
    const event = await lockEvent(tx, input.eventId);
    const closed = registrationClosedReason(event, options.now);
    if (closed) throw new RegistrationRefused(closed);
    const existing = await tx.registration.findUnique({ where: { eventId_email: { eventId: event.id, email } } });
    if (existing && existing.status !== "cancelled") {
      return {
        registrationId: existing.id,
        status: existing.status as RegistrationOutcome["status"],
        created: false,
        ticketCode: existing.ticketCode,
      };
    }
    const answers = checkAnswers(parseQuestions(event.questions), input.answers);
    if (!answers.ok) throw new RegistrationRefused(Object.values(answers.errors).join(" "));
    let status: RegistrationOutcome["status"];
    if (input.guest) status = "pending";
    else status = await seatStatus(tx, event, options.waitlist);
    const data = {
      userId: input.registrant.userId,
      name: input.registrant.name.slice(0, 120),
      status,
      answers: answers.answers,
      ticketCode: ticketCode(),
      confirmTokenHash: input.guest?.confirmTokenHash ?? null,
      cancelledAt: null,
      promotedAt: null,
      checkedInAt: null,
    };
    const row = existing
      ? await tx.registration.update({ where: { id: existing.id }, data: { ...data, createdAt: new Date() } })
      : await tx.registration.create({ data: { eventId: event.id, email, ...data } });
    const outcome: RegistrationOutcome = { registrationId: row.id, status, created: true, ticketCode: row.ticketCode };
    await then?.(tx, outcome);
    return outcome;
  });
}

async function seatStatus(tx: Tx, event: LockedEvent, waitlist: boolean): Promise<"confirmed" | "waitlisted"> {
  if (event.capacity === null) return "confirmed";
  const confirmed = await tx.registration.count({ where: { eventId: event.id, status: "confirmed" } });
  if (confirmed < event.capacity) return "confirmed";
  if (!waitlist) throw new RegistrationRefused("This event is full.");
  return "waitlisted";
}

export type Promoted = { id: string; email: string; name: string };

/** Fills free seats from the waitlist, oldest first. Returns who was promoted. */
async function promote(tx: Tx, event: LockedEvent): Promise<Promoted[]> {
  if (event.status !== "published") return [];
  const confirmed = await tx.registration.count({ where: { eventId: event.id, status: "confirmed" } });
  const free = event.capacity === null ? Number.MAX_SAFE_INTEGER : event.capacity - confirmed;
  if (free <= 0) return [];
  const next = await tx.registration.findMany({
    where: { eventId: event.id, status: "waitlisted" },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    take: Math.min(free, 10_000),
    select: { id: true, email: true, name: true },
  });
  if (next.length)
    await tx.registration.updateMany({
      where: { id: { in: next.map((r) => r.id) } },
      data: { status: "confirmed", promotedAt: new Date() },
    });
  return next;
}

/** A guest confirms their email: their pending registration takes a seat or joins the waitlist. */
export async function confirmGuestRegistration(
  db: TenantDb,
  confirmTokenHash: string,
  options: { waitlist: boolean },
  then?: InTransaction<{ id: string; status: "confirmed" | "waitlisted" }>,
): Promise<{ id: string; status: "confirmed" | "waitlisted"; eventId: string } | null> {
  const pending = await db.registration.findUnique({
    where: { confirmTokenHash },
    select: { id: true, eventId: true, status: true },
  });
  if (!pending) return null;
  return db.$transaction(async (tx) => {
    const event = await lockEvent(tx, pending.eventId);
    const row = await tx.registration.findUnique({ where: { id: pending.id } });
    if (!row || row.status !== "pending")
      return row && (row.status === "confirmed" || row.status === "waitlisted")
        ? { id: row.id, status: row.status, eventId: row.eventId }
        : null;
    const status = await seatStatus(tx, event, options.waitlist);
    await tx.registration.update({ where: { id: row.id }, data: { status, confirmTokenHash: null } });
    await then?.(tx, { id: row.id, status });
    return { id: row.id, status, eventId: row.eventId };
  });
}

/**
 * Cancels a registration (its holder, or staff). A freed seat goes to the first on the waitlist in
 * the same transaction. Returns who was promoted, so they can be told.
 */
export async function cancelRegistration(
  db: TenantDb,
  registrationId: string,
  owner?: { userId: string },
  then?: InTransaction<{ promoted: Promoted[] }>,
): Promise<{ cancelled: boolean; promoted: Promoted[] }> {
  const found = await db.registration.findUnique({
    where: { id: registrationId },
    select: { eventId: true, userId: true },
  });
  if (!found || (owner && found.userId !== owner.userId))
    throw new RegistrationRefused("There is no such registration.");
  return db.$transaction(async (tx) => {
    const event = await lockEvent(tx, found.eventId);
    const changed = await tx.registration.updateMany({
      where: { id: registrationId, status: { not: "cancelled" } },
      data: { status: "cancelled", cancelledAt: new Date() },
    });
    if (changed.count === 0) return { cancelled: false, promoted: [] };
    const promoted = await promote(tx, event);
    await then?.(tx, { promoted });
    return { cancelled: true, promoted };
  });
}

/**
 * Changes an event's capacity. It cannot go below the confirmed count (nobody loses a confirmed
 * seat); raising it promotes from the waitlist at once.
 */
export async function setCapacity(
  db: TenantDb,
  eventId: string,
  capacity: number | null,
  then?: InTransaction<{ promoted: Promoted[] }>,
): Promise<{ promoted: Promoted[] }> {
  if (capacity !== null && (!Number.isInteger(capacity) || capacity < 1 || capacity > 100_000))
    throw new InvalidInput("Capacity is a whole number from 1 to 100,000, or empty for no limit.");
  return db.$transaction(async (tx) => {
    const event = await lockEvent(tx, eventId);
    const confirmed = await tx.registration.count({ where: { eventId, status: "confirmed" } });
    if (capacity !== null && capacity < confirmed) {
      throw new RegistrationRefused(
        `${confirmed} people already have a confirmed place; capacity cannot go below ${confirmed}. Cancel registrations first, or choose ${confirmed} or more.`,
      );
    }
    await tx.event.update({ where: { id: eventId }, data: { capacity } });
    const promoted = await promote(tx, { ...event, capacity });
    await then?.(tx, { promoted });
    return { promoted };
  });
}

/** Marks a ticket checked in, once; a repeat answers when the ticket was first checked in. */
export async function checkIn(
  db: TenantDb,
  eventId: string,
  code: string,
): Promise<{ ok: true; name: string; already: Date | null } | { ok: false; message: string }> {
  if (!/^[A-Za-z0-9_-]{10,40}$/.test(code))
    return { ok: false, message: "That is not a ticket code from this portal." };
  const row = await db.registration.findUnique({ where: { ticketCode: code } });
  if (!row || row.eventId !== eventId) return { ok: false, message: "No ticket with that code for this event." };
  if (row.status !== "confirmed")
    return { ok: false, message: `${row.name}'s registration is ${row.status}, not confirmed.` };
  if (row.checkedInAt) return { ok: true, name: row.name, already: row.checkedInAt };
  const claimed = await db.registration.updateMany({
    where: { id: row.id, checkedInAt: null },
    data: { checkedInAt: new Date() },
  });
  if (claimed.count === 1) return { ok: true, name: row.name, already: null };
  // Another device checked it in between the read and the claim.
  const first = await db.registration.findUniqueOrThrow({ where: { id: row.id }, select: { checkedInAt: true } });
  return { ok: true, name: row.name, already: first.checkedInAt ?? new Date() };
}

/**
 * A waitlisted registration's place in the queue, 1 for the next to be promoted: the same order
 * `promote` takes (oldest first, then id). Null for any registration not on the waitlist.
 */
export async function waitlistPosition(
  db: TenantDb,
  registration: { id: string; eventId: string; status: string; createdAt: Date },
): Promise<number | null> {
  if (registration.status !== "waitlisted") return null;
  const ahead = await db.registration.count({
    where: {
      eventId: registration.eventId,
      status: "waitlisted",
      OR: [
        { createdAt: { lt: registration.createdAt } },
        { createdAt: registration.createdAt, id: { lt: registration.id } },
      ],
    },
  });
  return ahead + 1;
}
