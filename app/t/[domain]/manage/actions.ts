"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { getTranslations } from "next-intl/server";
import { z } from "zod";
import { InvalidFields, type ActionState } from "@/lib/actions/action-state.ts";
import { text } from "@/lib/actions/fields.server.ts";
import { tenantAction } from "@/lib/actions/tenant-action.server.ts";
import { withTenantDb } from "@/lib/platform/with-tenant-db.server.ts";
import { InvalidInput } from "@/lib/util/errors.ts";
import { checkIn } from "@/lib/portal/registrations.server.ts";
import {
  createEvent,
  messageAttendees,
  parseEventForm,
  setEventStatus,
  updateEvent,
} from "@/lib/portal/staff.server.ts";

const STATUS_MESSAGES = { published: "published", draft: "unpublished", cancelled: "cancelled" } as const;

/** The event form's fields are checked by parseEventForm (dates in the event's time zone). */
export const saveEvent = tenantAction(
  "staff",
  z.object({ existing: text() }),
  async ({ existing }, { tenant, form }): Promise<ActionState> => {
    const parsed = parseEventForm(form, tenant);
    if (!parsed.ok) throw new InvalidFields(parsed.errors);
    const slug = existing ? await updateEvent(tenant, existing, parsed.input) : await createEvent(tenant, parsed.input);
    revalidatePath("/manage");
    redirect(`/manage/events/${slug}?saved=1`);
  },
);

export const changeStatus = tenantAction(
  "staff",
  z.object({ slug: text(), status: z.enum(["published", "draft", "cancelled"], { error: "Unknown status." }) }),
  async ({ slug, status }, { tenant }): Promise<ActionState> => {
    await setEventStatus(tenant, slug, status);
    revalidatePath(`/manage/events/${slug}`);
    return { message: (await getTranslations("actions"))(STATUS_MESSAGES[status]) };
  },
);

export const checkInAction = tenantAction(
  "staff",
  z.object({ slug: text(), code: text() }),
  async ({ slug, code }, { tenant }): Promise<ActionState> => {
    const event = await withTenantDb(tenant.id, (db) => db.event.findUnique({ where: { slug }, select: { id: true } }));
    if (!event) throw new InvalidInput("This event no longer exists.");
    const result = await withTenantDb(tenant.id, (db) => checkIn(db, event.id, code.trim()));
    revalidatePath(`/manage/events/${slug}/attendees`);
    if (!result.ok) return { error: result.message };
    const t = await getTranslations("actions");
    return { message: t(result.already ? "alreadyCheckedIn" : "checkedIn", { name: result.name }) };
  },
);

export const sendMessage = tenantAction(
  "staff",
  z.object({ slug: text(), subject: text(), body: text() }),
  async ({ slug, subject, body }, { tenant, user }): Promise<ActionState> => {
    const event = await withTenantDb(tenant.id, (db) => db.event.findUnique({ where: { slug }, select: { id: true } }));
    if (!event) throw new InvalidInput("This event no longer exists.");
    const sent = await messageAttendees(tenant, user, event.id, subject, body);
    return { message: (await getTranslations("actions"))("sent", { count: sent }) };
  },
);
