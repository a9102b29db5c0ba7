"use server";

import { revalidatePath } from "next/cache";
import { requireTenantUser } from "@/lib/auth/tenant-guard.server.ts";
import { PorticoError } from "@/lib/util/errors.ts";
import { changeRole, inviteToTeam, removeFromTeam } from "@/lib/portal/team.server.ts";
import type { UnlockState } from "@/components/auth/locked-accounts.tsx";
import { requestOrigin } from "@/lib/audit/request.server.ts";
import { unlockAccount } from "@/lib/auth/lockouts.server.ts";
import { currentTenantFromHost } from "@/lib/platform/current-tenant.server.ts";

export interface TeamState {
  error?: string;
  message?: string;
}

async function admin() {
  const tenant = await currentTenantFromHost();
  if (!tenant) throw new Error("This portal is not available right now.");
  return { tenant, user: await requireTenantUser(tenant, "/manage/team", "admin") };
}

async function attempt(fn: () => Promise<string>): Promise<TeamState> {
  try {
    const message = await fn();
    revalidatePath("/manage/team");
    return { message };
  } catch (error) {
    if (error instanceof PorticoError) return { error: error.message };
    throw error;
  }
}

export async function inviteAction(_: TeamState, form: FormData): Promise<TeamState> {
  const { tenant, user } = await admin();
  return attempt(async () => {
    const outcome = await inviteToTeam(tenant, user, { email: String(form.get("email") ?? ""), name: String(form.get("name") ?? ""), role: String(form.get("role") ?? "") });
    return outcome === "invited" ? "Invitation sent." : "Role given; they have been told by email.";
  });
}

export async function roleAction(_: TeamState, form: FormData): Promise<TeamState> {
  const { tenant, user } = await admin();
  return attempt(async () => {
    await changeRole(tenant, user, String(form.get("user") ?? ""), String(form.get("role") ?? ""));
    return "Role changed.";
  });
}

/** Lifts a sign-in lockout of one of this portal's accounts (owners and admins); audited. */
export async function unlockAction(_: UnlockState, form: FormData): Promise<UnlockState> {
  const { tenant, user } = await admin();
  const email = String(form.get("email") ?? "").slice(0, 254);
  const lifted = await unlockAccount({ tenantId: tenant.id, email }, { type: "tenant-user", id: user.id, label: user.email }, await requestOrigin());
  revalidatePath("/manage/team");
  return lifted ? { message: `${email} can sign in again.` } : { error: `${email} is not locked (any more).` };
}

export async function removeAction(_: TeamState, form: FormData): Promise<TeamState> {
  const { tenant, user } = await admin();
  return attempt(async () => {
    await removeFromTeam(tenant, user, String(form.get("user") ?? ""));
    return "Removed; their sessions have ended.";
  });
}
