import "server-only";
import { publicLink } from "../auth/origin.server.ts";
import type { TenantUser } from "../auth/tenant-guard.server.ts";
import { withTenantDb } from "../platform/with-tenant-db.server.ts";
import { InvalidInput } from "../util/errors.ts";
import { isTimeZone, zonedToInstant } from "../format/zoned.ts";
import type { ResolvedTenant } from "../tenancy/resolver.ts";
import { hasFeature, requireFeature } from "./features.server.ts";
import { MAIL_EVENT_FIELDS, mailEvent, queuePromotedMail } from "./member.server.ts";
import type { MailContent } from "../mail/content.ts";
import { serialiseContent } from "../mail/outbox.server.ts";
import { withTenantMail } from "../platform/mail-queue.server.ts";
import { platform } from "../platform/platform.server.ts";
import { tenantMailBrand } from "../platform/mail-brand.ts";
import { LOCALES } from "../format/locale.ts";
import type { CheckedCover } from "./cover.ts";
import type { MailLocale } from "../mail/messages/index.ts";
import { questionsSchema, type Question } from "./questions.ts";
import { RegistrationRefused, setCapacity, type Tx } from "./registrations.server.ts";

/** Staff tools: events, attendees, check-in, export, messages. Staff, admins and owners only. */

export type FieldErrors = Partial<Record<string, string>>;

export interface EventInput {
  title: string;
  slug: string;
  summary: string;
  description: string;
  timeZone: string;
  startsAt: Date;
  endsAt: Date;
  venue: string | null;
  onlineUrl: string | null;
  capacity: number | null;
  registrationOpensAt: Date | null;
  registrationClosesAt: Date | null;
  questions: Question[];
}

export function slugify(title: string): string {
  return (
    title
      .toLowerCase()
      .normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "")
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 80) || "event"
  );
}

/**
 * Questions as staff type them, one per line: "Dietary needs" (free text), "T-shirt: S / M / L"
 * (a choice), a leading "*" for required.
 */
export function parseQuestionLines(text: string): { ok: true; questions: Question[] } | { ok: false; message: string } {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  const raw = lines.map((line) => {
    const required = line.startsWith("*");
    const body = required ? line.slice(1).trim() : line;
    const [label = "", options] = body.split(/:(.*)/s).map((p) => p?.trim());
    const opts = options
      ? options
          .split("/")
          .map((o) => o.trim())
          .filter(Boolean)
      : [];
    return {
      id:
        slugify(label)
          .slice(0, 40)
          .replace(/^[^a-z]+/, "") || "q",
      label,
      kind: opts.length ? "choice" : "text",
      required,
      options: opts,
    };
  });
  const parsed = questionsSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, message: parsed.error.issues[0]?.message ?? "check the questions" };
  return { ok: true, questions: parsed.data };
}

export function questionLines(questions: Question[]): string {
  return questions
    .map((q) => `${q.required ? "* " : ""}${q.label}${q.kind === "choice" ? `: ${q.options.join(" / ")}` : ""}`)
    .join("\n");
}

/** Reads the event form; every problem is reported against its field. */
export function parseEventForm(
  form: Pick<FormData, "get">,
  tenant: ResolvedTenant,
): { ok: true; input: EventInput } | { ok: false; errors: FieldErrors } {
  const text = (name: string, max: number) =>
    String(form.get(name) ?? "")
      .trim()
      .slice(0, max);
  const errors: FieldErrors = {};
  const title = text("title", 200);
  if (!title) errors.title = "Give the event a title.";
  const slug = text("slug", 80) || slugify(title);
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(slug))
    errors.slug = "Use lower-case letters, digits and single hyphens, e.g. annual-meeting.";
  const timeZone = text("timeZone", 64);
  if (!isTimeZone(timeZone)) errors.timeZone = "Choose the time zone the event takes place in.";
  const when = (name: string, required: boolean): Date | null => {
    const value = text(name, 20);
    if (!value) {
      if (required) errors[name] = "Enter a date and time.";
      return null;
    }
    const r = zonedToInstant(value, timeZone || "UTC");
    if (!r.ok) {
      errors[name] = r.message;
      return null;
    }
    return r.date;
  };
  const startsAt = when("startsLocal", true);
  const endsAt = when("endsLocal", true);
  if (startsAt && endsAt && endsAt <= startsAt)
    errors.endsLocal = `The end must be after the start (both are in ${timeZone}).`;
  const registrationOpensAt = when("opensLocal", false);
  const registrationClosesAt = when("closesLocal", false);
  if (registrationOpensAt && registrationClosesAt && registrationClosesAt <= registrationOpensAt)
    errors.closesLocal = "Registration must close after it opens.";
  if (registrationClosesAt && endsAt && registrationClosesAt > endsAt)
    errors.closesLocal = "Registration cannot close after the event ends.";
  const capacityText = text("capacity", 10);
  let capacity: number | null = null;
  if (capacityText) {
    capacity = Number(capacityText);
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > 100_000)
      errors.capacity = "A whole number from 1 to 100,000, or empty for no limit.";
  }
  const onlineUrl = text("onlineUrl", 500) || null;
  if (onlineUrl && !/^https:\/\/[^\s<>"]+$/.test(onlineUrl))
    errors.onlineUrl = "An https:// link, e.g. https://meet.example.com/abc.";
  let questions: Question[] = [];
  const questionText = text("questions", 5_000);
  if (questionText) {
    if (!hasFeature(tenant, "custom-questions"))
      errors.questions = "Custom registration questions are not part of this portal's plan.";
    else {
      const parsed = parseQuestionLines(questionText);
      if (parsed.ok) questions = parsed.questions;
      else errors.questions = parsed.message;
    }
  }
  if (Object.keys(errors).length || !startsAt || !endsAt) return { ok: false, errors };
  return {
    ok: true,
    input: {
      title,
      slug,
      summary: text("summary", 500),
      description: text("description", 20_000),
      timeZone,
      startsAt,
      endsAt,
      venue: text("venue", 200) || null,
      onlineUrl,
      capacity,
      registrationOpensAt,
      registrationClosesAt,
      questions,
    },
  };
}

/**
 * A new cover replaces the old one, "remove" drops it, and undefined keeps what is there. Written
 * in the same statement as the event, so an event is never saved with half a cover.
 */
export type CoverChange = CheckedCover | "remove" | undefined;

function coverData(cover: CoverChange, existing: boolean) {
  if (cover === undefined) return {};
  // The row itself goes in the same transaction (updateEvent): a one-to-one relation has no
  // "delete if present" of its own.
  if (cover === "remove") return { coverSrc: null };
  const row = { sha256: cover.sha256, contentType: cover.contentType, bytes: new Uint8Array(cover.bytes) };
  return {
    coverSrc: cover.src,
    cover: existing ? { upsert: { create: row, update: { ...row, createdAt: new Date() } } } : { create: row },
  };
}

export async function createEvent(tenant: ResolvedTenant, input: EventInput, cover?: CoverChange): Promise<string> {
  return withTenantDb(tenant.id, async (db) => {
    if (await db.event.findUnique({ where: { slug: input.slug }, select: { id: true } }))
      throw new InvalidInput(`Another event already uses the address /events/${input.slug}; change the slug.`);
    const { questions, ...rest } = input;
    await db.event.create({ data: { ...rest, questions, status: "draft", ...coverData(cover, false) } });
    return input.slug;
  });
}

export async function updateEvent(
  tenant: ResolvedTenant,
  slug: string,
  input: EventInput,
  cover?: CoverChange,
): Promise<string> {
  const event = await withTenantDb(tenant.id, (db) =>
    db.event.findUnique({ where: { slug }, select: { id: true, capacity: true } }),
  );
  if (!event) throw new InvalidInput("This event no longer exists.");
  if (
    input.slug !== slug &&
    (await withTenantDb(tenant.id, (db) => db.event.findUnique({ where: { slug: input.slug }, select: { id: true } })))
  ) {
    throw new InvalidInput(`Another event already uses the address /events/${input.slug}; change the slug.`);
  }
  // Capacity first: it refuses to go below the confirmed count, and may promote.
  if (input.capacity !== event.capacity) {
    await withTenantMail(tenant.id, (db) =>
      setCapacity(db, event.id, input.capacity, (tx, { promoted }) => queuePromotedMail(tx, tenant, promoted)),
    );
  }
  const { questions, capacity: _c, ...rest } = input;
  await withTenantDb(tenant.id, (db) =>
    db.$transaction([
      db.event.update({ where: { id: event.id }, data: { ...rest, questions, ...coverData(cover, true) } }),
      ...(cover === "remove" ? [db.eventCover.deleteMany({ where: { eventId: event.id } })] : []),
    ]),
  );
  return input.slug;
}

/** Publish, unpublish (back to draft) or cancel. Cancelling tells everyone registered. */
export async function setEventStatus(
  tenant: ResolvedTenant,
  slug: string,
  status: "published" | "draft" | "cancelled",
  locale?: MailLocale,
): Promise<void> {
  const event = await withTenantDb(tenant.id, (db) =>
    db.event.findUnique({ where: { slug }, select: { id: true, status: true, ...MAIL_EVENT_FIELDS } }),
  );
  if (!event) throw new InvalidInput("This event no longer exists.");
  if (event.status === "cancelled")
    throw new InvalidInput("A cancelled event stays cancelled; create a new one instead.");
  if (status === "draft") {
    const held = await withTenantDb(tenant.id, (db) =>
      db.registration.count({ where: { eventId: event.id, status: { in: ["confirmed", "waitlisted", "pending"] } } }),
    );
    if (held > 0)
      throw new InvalidInput(
        `${held} people are registered; cancel the event instead of unpublishing it, so they are told.`,
      );
  }
  // Cancelling and telling everyone registered commit together; the emails go out after.
  await withTenantMail(tenant.id, (db) =>
    db.$transaction(async (tx) => {
      await tx.event.update({ where: { id: event.id }, data: { status } });
      if (status === "cancelled")
        await queueToRegistrants(
          tx,
          tenant,
          event.id,
          ["confirmed", "waitlisted", "pending"],
          {
            kind: "event-cancelled",
            name: "",
            event: mailEvent(tenant, event),
            homeUrl: publicLink(tenant.primaryHost, "/"),
          },
          locale,
        );
    }),
  );
}

/**
 * Queues one email per registration of the event in the given states, in one statement: each
 * reader's name goes into the content, the language is the member's own choice else the portal's
 * default (docs/decisions/034). Ten thousand rows are one INSERT … SELECT inside the request; the
 * sending is the outbox flush's (docs/decisions/040). Returns how many were queued.
 */
async function queueToRegistrants(
  tx: Tx,
  tenant: ResolvedTenant,
  eventId: string,
  statuses: string[],
  content: MailContent & { name: string },
  locale?: MailLocale,
): Promise<number> {
  const settings = await tx.portalSettings.findUnique({
    where: { id: 1 },
    select: { senderName: true, defaultLocale: true },
  });
  const fallback = LOCALES.find((l) => l === settings?.defaultLocale) ?? "en";
  const fromName = (settings?.senderName || tenant.name).slice(0, 120);
  const fromAddress = platform().env.PORTICO_MAIL_FROM ?? `no-reply@${tenant.primaryHost}`;
  const brand = JSON.stringify(tenantMailBrand(tenant, publicLink));
  const locales = [...LOCALES];
  return tx.$executeRaw`
    INSERT INTO "MailOutbox" ("id", "toAddress", "fromName", "fromAddress", "content", "brand", "locale")
    SELECT gen_random_uuid(), r."email", ${fromName}, ${fromAddress},
           ${serialiseContent(content)}::jsonb || jsonb_build_object('name', r."name"), ${brand}::jsonb,
           COALESCE(${locale ?? null}::text, CASE WHEN u."locale" = ANY(${locales}::text[]) THEN u."locale" END, ${fallback})
    FROM "Registration" r LEFT JOIN "User" u ON u."email" = r."email"
    WHERE r."eventId" = ${eventId}::uuid AND r."status"::text = ANY(${statuses}::text[])`;
}

/**
 * A message goes to at most this many confirmed attendees. The request only queues it (one
 * statement), so the bound is the largest event, not what a request can send.
 */
export const MESSAGE_RECIPIENTS_MAX = 100_000;

/** Queues a message to every confirmed attendee of an event; returns how many it goes to. */
export async function messageAttendees(
  tenant: ResolvedTenant,
  from: TenantUser,
  eventId: string,
  subject: string,
  body: string,
  locale?: MailLocale,
): Promise<number> {
  const s = subject.trim().slice(0, 150);
  const b = body.trim().slice(0, 10_000);
  if (!s || !b) throw new InvalidInput("Write a subject and a message.");
  const event = await withTenantDb(tenant.id, (db) =>
    db.event.findUnique({ where: { id: eventId }, select: MAIL_EVENT_FIELDS }),
  );
  if (!event) throw new InvalidInput("This event no longer exists.");
  return withTenantMail(tenant.id, (db) =>
    db.$transaction(async (tx) => {
      const count = await tx.registration.count({ where: { eventId, status: "confirmed" } });
      if (count > MESSAGE_RECIPIENTS_MAX)
        throw new InvalidInput(
          `This event has ${count} attendees; a message goes to at most ${MESSAGE_RECIPIENTS_MAX}. Write to them in groups by exporting the list.`,
        );
      return queueToRegistrants(
        tx,
        tenant,
        eventId,
        ["confirmed"],
        { kind: "staff-message", name: "", event: mailEvent(tenant, event), subject: s, body: b, from: from.name },
        locale,
      );
    }),
  );
}

export function requireCsvExport(tenant: ResolvedTenant): void {
  requireFeature(tenant, "csv-export");
}

export { RegistrationRefused };
