"use server";

import { revalidatePath } from "next/cache";
import { requireTenantUser } from "@/lib/auth/tenant-guard.server.ts";
import { PorticoError } from "@/lib/util/errors.ts";
import { cancelMemberRegistration, registerGuest, registerMember } from "@/lib/portal/member.server.ts";
import { limitAttempt } from "@/lib/auth/lockouts.server.ts";
import { tenantAccount } from "@/lib/security/throttle.server.ts";
import { currentTenantFromHost } from "@/lib/platform/current-tenant.server.ts";

export interface RegisterState {
  error?: string;
  done?: "confirmed" | "waitlisted" | "pending";
}

export async function registerAction(_: RegisterState, form: FormData): Promise<RegisterState> {
  const tenant = await currentTenantFromHost();
  if (!tenant) return { error: "This portal is not available right now." };
  const slug = String(form.get("event") ?? "");
  const user = await requireTenantUser(tenant, `/events/${slug}`);
  const answers: Record<string, unknown> = {};
  for (const [key, value] of form.entries()) if (key.startsWith("q:")) answers[key.slice(2)] = value;
  try {
    const outcome = await registerMember(tenant, user, slug, answers);
    revalidatePath(`/events/${slug}`);
    return { done: outcome.status };
  } catch (error) {
    if (error instanceof PorticoError) return { error: error.message };
    throw error;
  }
}

export async function cancelAction(_: RegisterState, form: FormData): Promise<RegisterState> {
  const tenant = await currentTenantFromHost();
  if (!tenant) return { error: "This portal is not available right now." };
  const user = await requireTenantUser(tenant, "/registrations");
  try {
    await cancelMemberRegistration(tenant, user, String(form.get("registration") ?? ""));
  } catch (error) {
    if (error instanceof PorticoError) return { error: error.message };
    throw error;
  }
  revalidatePath("/registrations");
  return {};
}

export async function registerGuestAction(_: RegisterState, form: FormData): Promise<RegisterState> {
  const tenant = await currentTenantFromHost();
  if (!tenant) return { error: "This portal is not available right now." };
  const answers: Record<string, unknown> = {};
  for (const [key, value] of form.entries()) if (key.startsWith("q:")) answers[key.slice(2)] = value;
  const refusal = await limitAttempt("guest-registration", tenantAccount(tenant.id, String(form.get("email") ?? "").slice(0, 254)));
  if (refusal) return { error: refusal.message };
  try {
    await registerGuest(tenant, String(form.get("event") ?? ""), { name: String(form.get("name") ?? ""), email: String(form.get("email") ?? "") }, answers);
    // The same answer whether or not the address was already registered: nothing is revealed.
    return { done: "pending" };
  } catch (error) {
    if (error instanceof PorticoError) return { error: error.message };
    throw error;
  }
}
