"use server";

import { redirect } from "next/navigation";
import { PASSWORD_MAX, PASSWORD_MIN, hashPassword } from "@/lib/auth/credentials.server.ts";
import { acceptInvitation } from "@/lib/auth/tenant-invitations.server.ts";
import { limitAttempt } from "@/lib/auth/lockouts.server.ts";
import { currentTenantFromHost } from "@/lib/platform/current-tenant.server.ts";

import type { InviteState } from "@/components/auth/invite-form.tsx";

export async function acceptInvite(_: InviteState, form: FormData): Promise<InviteState> {
  const tenant = await currentTenantFromHost();
  if (!tenant) return { error: "This portal is not available right now." };
  // The invitation's token stands for the account until it is accepted.
  const refusal = await limitAttempt("invitation", `tenant-invite:${tenant.id}:${String(form.get("token") ?? "").slice(0, 64)}`);
  if (refusal) return { error: refusal.message };
  const password = form.get("password");
  const confirm = form.get("confirm");
  if (typeof password !== "string" || password.length < PASSWORD_MIN || password.length > PASSWORD_MAX) {
    return { error: `Choose a password of ${PASSWORD_MIN} to ${PASSWORD_MAX} characters.` };
  }
  if (password !== confirm) return { error: "The two passwords differ; type the same password twice." };
  const email = await acceptInvitation(tenant, form.get("token"), await hashPassword(password));
  if (!email) return { error: "This invitation has been used or has expired. Ask your agency to send a new one." };
  redirect(`/sign-in?invited=${encodeURIComponent(email)}`);
}
