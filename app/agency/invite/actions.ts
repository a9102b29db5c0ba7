"use server";

import { redirect } from "next/navigation";
import type { InviteState } from "@/components/auth/invite-form.tsx";
import { acceptAgencyInvitation } from "@/lib/auth/agency-members.server.ts";
import { appendAudit } from "@/lib/audit/log.server.ts";
import { requestOrigin } from "@/lib/audit/request.server.ts";
import { PASSWORD_MAX, PASSWORD_MIN, hashPassword } from "@/lib/auth/credentials.server.ts";
import { platform } from "@/lib/platform/platform.server.ts";
import { limitAttempt } from "@/lib/auth/lockouts.server.ts";

export async function acceptAgencyInvite(_: InviteState, form: FormData): Promise<InviteState> {
  // The invitation's token stands for the account until it is accepted.
  const refusal = await limitAttempt("invitation", `agency-invite:${String(form.get("token") ?? "").slice(0, 64)}`);
  if (refusal) return { error: refusal.message };
  const password = form.get("password");
  const confirm = form.get("confirm");
  if (typeof password !== "string" || password.length < PASSWORD_MIN || password.length > PASSWORD_MAX) {
    return { error: `Choose a password of ${PASSWORD_MIN} to ${PASSWORD_MAX} characters.` };
  }
  if (password !== confirm) return { error: "The two passwords differ; type the same password twice." };
  const { control } = platform();
  const email = await acceptAgencyInvitation(control, form.get("token"), await hashPassword(password));
  if (!email) return { error: "This invitation has been used or has expired. Ask an agency owner to invite you again." };
  await appendAudit(control, { actor: { type: "agency-user", label: email }, action: "agency-user.accept-invitation", ...(await requestOrigin()) });
  redirect("/sign-in?invited=1");
}
