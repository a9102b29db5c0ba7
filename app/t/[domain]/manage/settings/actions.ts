"use server";

import { revalidatePath } from "next/cache";
import { requireTenantUser } from "@/lib/auth/tenant-guard.server.ts";
import { withTenantDb } from "@/lib/platform/with-tenant-db.server.ts";
import { PorticoError } from "@/lib/util/errors.ts";
import { queueOperation } from "@/lib/operations/queue.server.ts";
import { platform } from "@/lib/platform/platform.server.ts";
import { LOGO_MAX_BYTES, checkLogo } from "@/lib/tenancy/logo.ts";
import { currentTenantFromHost } from "@/lib/platform/current-tenant.server.ts";
import { requestOrigin } from "@/lib/audit/request.server.ts";

export interface SettingsState {
  error?: string;
  message?: string;
  operationId?: string;
}

async function admin() {
  const tenant = await currentTenantFromHost();
  if (!tenant) throw new Error("This portal is not available right now.");
  return { tenant, user: await requireTenantUser(tenant, "/manage/settings", "admin") };
}

/** Portal settings live in the tenant's own database. */
export async function savePortalSettings(_: SettingsState, form: FormData): Promise<SettingsState> {
  const { tenant } = await admin();
  const visibility = form.get("catalogueVisibility") === "members" ? "members" : "public";
  const data = {
    catalogueVisibility: visibility as "members" | "public",
    allowMemberSignup: form.get("allowMemberSignup") === "on",
    allowGuestRegistration: form.get("allowGuestRegistration") === "on",
    senderName: String(form.get("senderName") ?? "").trim().slice(0, 120) || null,
  };
  await withTenantDb(tenant.id, (db) => db.portalSettings.upsert({ where: { id: 1 }, create: { id: 1, ...data }, update: data }));
  revalidatePath("/", "layout");
  return { message: "Settings saved." };
}

/**
 * Branding lives in the control plane, which the web app may not change: it is queued for the
 * operations worker (decision 009), which validates and applies it on every instance at once.
 */
export async function saveBranding(_: SettingsState, form: FormData): Promise<SettingsState> {
  const { tenant, user } = await admin();
  const theme = {
    primary: String(form.get("primary") ?? ""), accent: String(form.get("accent") ?? ""), background: String(form.get("background") ?? ""),
    surface: String(form.get("surface") ?? ""), text: String(form.get("text") ?? ""), font: String(form.get("font") ?? ""),
    logo: { alt: String(form.get("logoAlt") ?? "").trim().slice(0, 120) || String(form.get("name") ?? "Logo") },
  };
  let logo: string | null = null;
  const file = form.get("logo");
  try {
    if (file instanceof File && file.size > 0) {
      if (file.size > LOGO_MAX_BYTES) return { error: `The logo is ${Math.ceil(file.size / 1024)} KB; the limit is ${LOGO_MAX_BYTES / 1024} KB.` };
      logo = checkLogo(new Uint8Array(await file.arrayBuffer())).bytes.toString("base64");
    }
    const { id } = await queueOperation(platform().control, {
      kind: "set-branding",
      slug: tenant.slug,
      input: { name: String(form.get("name") ?? ""), theme, logo },
      actor: { type: "tenant-user", id: user.id, label: user.email },
      ...(await requestOrigin()),
    });
    return { message: "Saving your branding…", operationId: id };
  } catch (error) {
    if (error instanceof PorticoError) return { error: error.message };
    throw error;
  }
}

/** Whether a queued branding change has been applied (polled by the settings page). */
export async function brandingStatus(operationId: string): Promise<{ status: string; error: string | null }> {
  const { tenant } = await admin();
  const op = /^[0-9a-f-]{36}$/.test(operationId) ? await platform().control.operation.findUnique({ where: { id: operationId }, select: { status: true, error: true, slug: true } }) : null;
  if (!op || op.slug !== tenant.slug) return { status: "unknown", error: null };
  return { status: op.status, error: op.error };
}
