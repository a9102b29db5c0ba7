"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { getLocale, getTranslations } from "next-intl/server";
import { intlLocale } from "@/lib/format/locale.ts";
import { z } from "zod";
import { InvalidFields, type ActionState } from "@/lib/actions/action-state.ts";
import { text } from "@/lib/actions/fields.server.ts";
import { tenantAction } from "@/lib/actions/tenant-action.server.ts";
import { withTenantDb } from "@/lib/platform/with-tenant-db.server.ts";
import { InvalidInput } from "@/lib/util/errors.ts";
import { checkIn } from "@/lib/portal/registrations.server.ts";
import { COVER_MAX_BYTES, checkCover } from "@/lib/portal/cover.ts";
import type { CheckInState } from "@/components/portal/staff-forms.tsx";
import {
  type CoverChange,
  createEvent,
  messageAttendees,
  parseEventForm,
  setEventStatus,
  updateEvent,
} from "@/lib/portal/staff.server.ts";

/** The event form's cover field: a new image (checked), a removal, or nothing to change. */
async function readCover(form: Pick<FormData, "get">): Promise<{ change?: CoverChange; error?: string }> {
  const file = form.get("cover");
  if (file instanceof File && file.size > 0) {
    if (file.size > COVER_MAX_BYTES)
      return {
        error: `The cover image is ${Math.ceil(file.size / 1024)} KB; the limit is ${COVER_MAX_BYTES / 1024} KB. Export a smaller image (e.g. 1600×900 pixels, JPEG).`,
      };
    try {
      return { change: checkCover(new Uint8Array(await file.arrayBuffer())) };
    } catch (error) {
      if (error instanceof InvalidInput) return { error: error.message };
      throw error;
    }
  }
  return { change: form.get("removeCover") === "on" ? "remove" : undefined };
}

const STATUS_MESSAGES = { published: "published", draft: "unpublished", cancelled: "cancelled" } as const;

/** The event form's fields are checked by parseEventForm (dates in the event's time zone). */
export const saveEvent = tenantAction(
  "staff",
  z.object({ existing: text() }),
  async ({ existing }, { tenant, form, trail }): Promise<ActionState> => {
    const parsed = parseEventForm(form, tenant);
    const cover = await readCover(form);
    // Every field's problem at once, the cover's among them, before anything is written.
    const errors = { ...(parsed.ok ? {} : parsed.errors), ...(cover.error ? { cover: cover.error } : {}) };
    if (!parsed.ok || cover.error) throw new InvalidFields(errors);
    const slug = existing
      ? await updateEvent(tenant, existing, parsed.input, cover.change)
      : await createEvent(tenant, parsed.input, cover.change);
    // Before the redirect, which ends the action (decision 048).
    await trail({ details: { event: slug, change: existing ? "update" : "create" } });
    revalidatePath("/manage");
    redirect(`/manage/events/${slug}?saved=1`);
  },
  { trail: "event.save" },
);

export const changeStatus = tenantAction(
  "staff",
  z.object({ slug: text(), status: z.enum(["published", "draft", "cancelled"], { error: "Unknown status." }) }),
  async ({ slug, status }, { tenant, trail }): Promise<ActionState> => {
    await setEventStatus(tenant, slug, status);
    await trail({ details: { event: slug, status } });
    revalidatePath(`/manage/events/${slug}`);
    return { message: (await getTranslations("actions"))(STATUS_MESSAGES[status]) };
  },
  { trail: "event.status" },
);

export const checkInAction = tenantAction(
  "staff",
  z.object({ slug: text(), code: text() }),
  async ({ slug, code }, { tenant, trail }): Promise<CheckInState> => {
    const event = await withTenantDb(tenant.id, (db) =>
      db.event.findUnique({ where: { slug }, select: { id: true, timeZone: true } }),
    );
    if (!event) throw new InvalidInput("This event no longer exists.");
    const result = await withTenantDb(tenant.id, (db) => checkIn(db, event.id, code.trim()));
    revalidatePath(`/manage/events/${slug}/attendees`);
    if (!result.ok) return { error: result.message };
    await trail({ details: { event: slug, repeat: Boolean(result.already) } });
    const t = await getTranslations("actions");
    if (result.already) {
      // A reused ticket is a warning of its own, with the time of the first check-in at the door.
      const time = new Intl.DateTimeFormat(intlLocale(await getLocale()), {
        timeZone: event.timeZone,
        hour: "2-digit",
        minute: "2-digit",
      }).format(result.already);
      return {
        repeat: { heading: t("repeatHeading", { time }), detail: t("repeatDetail", { name: result.name }) },
      };
    }
    return { message: t("checkedIn", { name: result.name }) };
  },
  { trail: "event.check-in" },
);

export const sendMessage = tenantAction(
  "staff",
  z.object({ slug: text(), subject: text(), body: text() }),
  async ({ slug, subject, body }, { tenant, user, trail }): Promise<ActionState> => {
    const event = await withTenantDb(tenant.id, (db) => db.event.findUnique({ where: { slug }, select: { id: true } }));
    if (!event) throw new InvalidInput("This event no longer exists.");
    const sent = await messageAttendees(tenant, user, event.id, subject, body);
    await trail({ details: { event: slug, recipients: sent } });
    return { message: (await getTranslations("actions"))("sent", { count: sent }) };
  },
  { trail: "message.send" },
);
