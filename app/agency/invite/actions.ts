"use server";

import type { InviteState } from "@/components/auth/invite-form.tsx";
import { agencyAction } from "@/lib/actions/agency-action.server.ts";
import { newPasswordForm } from "@/lib/actions/fields.server.ts";
import { acceptAgencyInvitation } from "@/lib/auth/agency-members.server.ts";
import { hashPassword } from "@/lib/auth/credentials.server.ts";
import { InvalidInput } from "@/lib/util/errors.ts";
import { platform } from "@/lib/platform/platform.server.ts";

export const acceptAgencyInvite = agencyAction(
  "public",
  newPasswordForm,
  async ({ token, password }, { audit }): Promise<InviteState> => {
    const email = await acceptAgencyInvitation(platform().control, token, await hashPassword(password));
    if (!email)
      throw new InvalidInput("This invitation has been used or has expired. Ask an agency owner to invite you again.");
    // No one is signed in yet: the new account is the actor.
    await audit({ actor: { type: "agency-user", label: email } });
    // The form signs in with the password just chosen and lands on the dashboard.
    return { signIn: { provider: "password", email, next: "/" } };
  },
  {
    audit: "agency-user.accept-invitation",
    // The invitation's token stands for the account until it is accepted.
    limit: { action: "invitation", key: (fields) => `agency-invite:${String(fields.token ?? "").slice(0, 64)}` },
  },
);
