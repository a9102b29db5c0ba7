"use server";

import type { InviteState } from "@/components/auth/invite-form.tsx";
import { newPasswordForm } from "@/lib/actions/fields.server.ts";
import { privateTenantAction } from "@/lib/actions/tenant-action.server.ts";
import { hashPassword } from "@/lib/auth/credentials.server.ts";
import { acceptInvitation } from "@/lib/auth/tenant-invitations.server.ts";
import { InvalidInput } from "@/lib/util/errors.ts";

export const acceptInvite = privateTenantAction(
  "public",
  newPasswordForm,
  async ({ token, password }, { tenant }): Promise<InviteState> => {
    const accepted = await acceptInvitation(tenant, token, await hashPassword(password));
    if (!accepted)
      throw new InvalidInput("This invitation has been used or has expired. Ask your agency to send a new one.");
    // The form spends the sign-in token at once and lands where the invitation leads.
    return {
      signIn: { provider: "email-link", token: accepted.signInToken, next: accepted.next, email: accepted.email },
    };
  },
  // The invitation's token stands for the account until it is accepted.
  {
    limit: {
      action: "invitation",
      key: (fields, { tenant }) => `tenant-invite:${tenant.id}:${String(fields.token ?? "").slice(0, 64)}`,
    },
  },
);
