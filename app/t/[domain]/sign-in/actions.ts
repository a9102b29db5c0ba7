"use server";

import { getTranslations } from "next-intl/server";
import { z } from "zod";
import type { ActionState } from "@/lib/actions/action-state.ts";
import { privateTenantAction } from "@/lib/actions/tenant-action.server.ts";
import { text } from "@/lib/actions/fields.server.ts";
import { signUpMember } from "@/lib/portal/sign-up.server.ts";
import { sendTenantSignInLink } from "@/lib/auth/tenant-sign-in-link.server.ts";
import { requestPasswordReset } from "@/lib/auth/tenant-account.server.ts";

// Server actions are POSTs that Next.js accepts only when Origin matches the Host (CSRF).
// The tenant comes from the Host header alone, never from the form.

export const requestSignInLink = privateTenantAction(
  "public",
  // returnTo is checked by sendTenantSignInLink; a refused one is dropped, not an error.
  z.object({ email: text(), returnTo: z.unknown().optional() }),
  async ({ email, returnTo }, { tenant }): Promise<ActionState> => {
    const result = await sendTenantSignInLink(tenant, email, returnTo);
    if (result === "invalid") return { error: "Enter a valid email address, like name@example.com." };
    if (typeof result === "object") return { error: result.message };
    return { message: (await getTranslations("actions"))("signInLinkSent") };
  },
);

/** Called by the sign-up form, which signs the new member in itself; signUpMember checks the fields. */
export const signUp = privateTenantAction(
  "public",
  z.object({ name: z.string(), email: z.string(), password: z.string() }),
  async (input, { tenant }): Promise<ActionState> => {
    const result = await signUpMember(tenant, input);
    return result.ok ? {} : { error: result.message };
  },
);

/** "Forgot password?": the same answer whether or not the address has an account here. */
export const requestPasswordResetAction = privateTenantAction(
  "public",
  z.object({ email: text() }),
  async ({ email }, { tenant }): Promise<ActionState> => {
    const result = await requestPasswordReset(tenant, email);
    if (result === "invalid") return { error: "Enter a valid email address, like name@example.com." };
    if (typeof result === "object") return { error: result.message };
    return { message: (await getTranslations("actions"))("resetLinkSent") };
  },
);
