"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { requireTenantUser } from "@/lib/auth/tenant-guard.server.ts";
import { withTenantDb } from "@/lib/platform/with-tenant-db.server.ts";
import { PorticoError } from "@/lib/util/errors.ts";
import { checkIn } from "@/lib/portal/registrations.server.ts";
import { createEvent, messageAttendees, parseEventForm, setEventStatus, updateEvent, type FieldErrors } from "@/lib/portal/staff.server.ts";
import { currentTenantFromHost } from "@/lib/platform/current-tenant.server.ts";

export interface StaffState {
  errors?: FieldErrors;
  error?: string;
  message?: string;
  /** What was submitted, shown again: React resets a form after its action runs. */
  values?: Record<string, string>;
}

function submitted(form: FormData): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of form.entries()) if (typeof v === "string" && !k.startsWith("$")) out[k] = v;
  return out;
}

async function staff() {
  const tenant = await currentTenantFromHost();
  if (!tenant) throw new Error("This portal is not available right now.");
  return { tenant, user: await requireTenantUser(tenant, "/manage", "staff") };
}

export async function saveEvent(_: StaffState, form: FormData): Promise<StaffState> {
  const { tenant } = await staff();
  const parsed = parseEventForm(form, tenant);
  if (!parsed.ok) return { errors: parsed.errors, values: submitted(form) };
  const existing = String(form.get("existing") ?? "");
  let slug: string;
  try {
    slug = existing ? await updateEvent(tenant, existing, parsed.input) : await createEvent(tenant, parsed.input);
  } catch (error) {
    if (error instanceof PorticoError) return { error: error.message, values: submitted(form) };
    throw error;
  }
  revalidatePath("/manage");
  redirect(`/manage/events/${slug}?saved=1`);
}

export async function changeStatus(_: StaffState, form: FormData): Promise<StaffState> {
  const { tenant } = await staff();
  const status = String(form.get("status"));
  if (status !== "published" && status !== "draft" && status !== "cancelled") return { error: "Unknown status." };
  const slug = String(form.get("slug") ?? "");
  try {
    await setEventStatus(tenant, slug, status);
  } catch (error) {
    if (error instanceof PorticoError) return { error: error.message };
    throw error;
  }
  revalidatePath(`/manage/events/${slug}`);
  return { message: status === "published" ? "Published." : status === "draft" ? "Unpublished: only staff see it now." : "Cancelled; everyone registered has been told." };
}

export async function checkInAction(_: StaffState, form: FormData): Promise<StaffState> {
  const { tenant } = await staff();
  const slug = String(form.get("slug") ?? "");
  const code = String(form.get("code") ?? "").trim();
  const event = await withTenantDb(tenant.id, (db) => db.event.findUnique({ where: { slug }, select: { id: true } }));
  if (!event) return { error: "This event no longer exists." };
  const result = await withTenantDb(tenant.id, (db) => checkIn(db, event.id, code));
  revalidatePath(`/manage/events/${slug}/attendees`);
  if (!result.ok) return { error: result.message };
  return { message: result.already ? `${result.name} was already checked in.` : `${result.name} checked in.` };
}

export async function sendMessage(_: StaffState, form: FormData): Promise<StaffState> {
  const { tenant, user } = await staff();
  const event = await withTenantDb(tenant.id, (db) => db.event.findUnique({ where: { slug: String(form.get("slug") ?? "") }, select: { id: true } }));
  if (!event) return { error: "This event no longer exists." };
  try {
    const sent = await messageAttendees(tenant, user, event.id, String(form.get("subject") ?? ""), String(form.get("body") ?? ""));
    return { message: `Sent to ${sent} confirmed attendee${sent === 1 ? "" : "s"}.` };
  } catch (error) {
    if (error instanceof PorticoError) return { error: error.message };
    throw error;
  }
}
