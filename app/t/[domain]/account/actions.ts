"use server";

import { getTranslations } from "next-intl/server";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import type { ActionState } from "@/lib/actions/action-state.ts";
import { newPasswordForm, text } from "@/lib/actions/fields.server.ts";
import { tenantAction } from "@/lib/actions/tenant-action.server.ts";
import {
  changePassword,
  confirmEmailChange,
  endMySessions,
  LINK_REFUSAL,
  requestEmailChange,
  requestPasswordReset,
} from "@/lib/auth/tenant-account.server.ts";

// The account page's forms (docs/decisions/041). Each is the signed-in user's own, checked by
// the guard inside tenantAction; lib/auth/tenant-account.server.ts throttles and audits them.

export const changePasswordAction = tenantAction(
  "member",
  z.intersection(newPasswordForm, z.object({ current: z.string().min(1, "Type your current password.").max(200) })),
  async ({ current, password }, { tenant, user }): Promise<ActionState> => {
    const { ended } = await changePassword(tenant, user, current, password);
    return { message: (await getTranslations("actions"))("passwordChanged", { count: ended }) };
  },
  { returnTo: "/account", echo: false },
);

/** A member without a password gets the reset link at their own address to set one. */
export const setPasswordLinkAction = tenantAction(
  "member",
  z.unknown(),
  async (_input, { tenant, user }): Promise<ActionState> => {
    const sent = await requestPasswordReset(tenant, user.email);
    if (typeof sent === "object") return { error: sent.message };
    return { message: (await getTranslations("actions"))("setPasswordLinkSent") };
  },
  { returnTo: "/account" },
);

export const changeEmailAction = tenantAction(
  "member",
  z.object({ email: text() }),
  async ({ email }, { tenant, user }): Promise<ActionState> => {
    const { to } = await requestEmailChange(tenant, user, email);
    return { message: (await getTranslations("actions"))("emailChangeSent", { email: to }) };
  },
  { returnTo: "/account" },
);

export const endSessionAction = tenantAction(
  "member",
  z.object({ session: z.union([z.literal("others"), z.guid("Choose a session from the list.")]) }),
  async ({ session }, { tenant, user }): Promise<ActionState> => {
    const { ended } = await endMySessions(tenant, user, session);
    revalidatePath("/account");
    return { message: (await getTranslations("actions"))("sessionsEnded", { count: ended }) };
  },
  { returnTo: "/account" },
);

/** The link sent to a new address: public, the token is the proof (the person may be signed out). */
export const confirmEmailAction = tenantAction(
  "public",
  z.object({ token: text() }),
  async ({ token }, { tenant }): Promise<ActionState> => {
    const outcome = await confirmEmailChange(tenant, token);
    if ("refused" in outcome)
      return {
        error:
          outcome.refused === "taken"
            ? "That address already belongs to another account on this portal. Choose another one on your account page."
            : LINK_REFUSAL.email[outcome.refused],
      };
    // No revalidatePath here: it would re-render this page, whose link is now used, in place of
    // the answer. The next page the person opens reads the new address.
    return { message: (await getTranslations("actions"))("emailChanged", { email: outcome.email }) };
  },
  {
    limit: {
      action: "account-link",
      key: (fields, { tenant }) => `tenant-email-link:${tenant.id}:${String(fields.token ?? "").slice(0, 64)}`,
    },
  },
);
