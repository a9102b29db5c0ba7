"use server";

import type { InviteState } from "@/components/auth/invite-form.tsx";
import { newPasswordForm } from "@/lib/actions/fields.server.ts";
import { privateTenantAction } from "@/lib/actions/tenant-action.server.ts";
import { LINK_REFUSAL, resetPassword } from "@/lib/auth/tenant-account.server.ts";
import { InvalidInput } from "@/lib/util/errors.ts";

/**
 * Sets a new password with a reset link. Every session of the account ends; the form then spends
 * the single-use sign-in handed back and lands on the account page, signed in afresh.
 */
export const resetPasswordAction = privateTenantAction(
  "public",
  newPasswordForm,
  async ({ token, password }, { tenant }): Promise<InviteState> => {
    const outcome = await resetPassword(tenant, token, password);
    if ("refused" in outcome) throw new InvalidInput(LINK_REFUSAL.reset[outcome.refused]);
    return {
      signIn: { provider: "email-link", token: outcome.signInToken, next: "/account", email: outcome.email },
    };
  },
  // The link's token stands for the account until it is used.
  {
    limit: {
      action: "account-link",
      key: (fields, { tenant }) => `tenant-reset-link:${tenant.id}:${String(fields.token ?? "").slice(0, 64)}`,
    },
  },
);
