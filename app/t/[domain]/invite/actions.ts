"use server";

import { redirect } from "next/navigation";
import type { InviteState } from "@/components/auth/invite-form.tsx";
import { newPasswordForm } from "@/lib/actions/fields.server.ts";
import { tenantAction } from "@/lib/actions/tenant-action.server.ts";
import { hashPassword } from "@/lib/auth/credentials.server.ts";
import { acceptInvitation } from "@/lib/auth/tenant-invitations.server.ts";
import { InvalidInput } from "@/lib/util/errors.ts";

export const acceptInvite = tenantAction(
  "public",
  newPasswordForm,
  async ({ token, password }, { tenant }): Promise<InviteState> => {
    const email = await acceptInvitation(tenant, token, await hashPassword(password));
    if (!email)
      throw new InvalidInput("This invitation has been used or has expired. Ask your agency to send a new one.");
    redirect(`/sign-in?invited=${encodeURIComponent(email)}`);
  },
  // The invitation's token stands for the account until it is accepted.
  {
    limit: {
      action: "invitation",
      key: (fields, { tenant }) => `tenant-invite:${tenant.id}:${String(fields.token ?? "").slice(0, 64)}`,
    },
  },
);
