"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { text } from "@/lib/actions/fields.server.ts";
import { privateTenantAction } from "@/lib/actions/tenant-action.server.ts";
import { currentOrigin } from "@/lib/auth/origin.server.ts";
import {
  addPasskey,
  beginTotp,
  dropPasskey,
  dropTotp,
  finishTotp,
  newRecoveryCodes,
  passkeyEnrolmentOptions,
} from "@/lib/auth/second-factor.server.ts";
import { tenantNeedsSecondFactor } from "@/lib/auth/second-factor-policy.ts";
import type { TenantUser } from "@/lib/auth/tenant-guard.server.ts";
import { portalSettings } from "@/lib/portal/settings.server.ts";
import type { ResolvedTenant } from "@/lib/tenancy/resolver.ts";
import type { SecondFactorState } from "@/components/auth/second-factor-forms.tsx";

// The account page's second factors (docs/decisions/045): each is the signed-in user's own,
// checked by the guard inside tenantAction; lib/auth/second-factor.server.ts audits them.

async function required(tenant: ResolvedTenant, user: TenantUser): Promise<boolean> {
  return tenantNeedsSecondFactor((await portalSettings(tenant)).secondFactorPolicy, user.role);
}

export const beginTotpAction = privateTenantAction(
  "member",
  z.unknown(),
  async (_input, { tenant, user }): Promise<SecondFactorState> => {
    const { secret, qrSvg } = await beginTotp(tenant, user);
    return { enrolment: { secret, qrSvg } };
  },
  { returnTo: "/account" },
);

export const finishTotpAction = privateTenantAction(
  "member",
  z.object({ code: text() }),
  async ({ code }, { tenant, user }): Promise<SecondFactorState> => {
    const done = await finishTotp(tenant, user, code);
    if (!done.ok) return { error: done.message };
    // No revalidation here: the page would swap the form for "Set up" before the codes were read.
    // Their "Continue" reloads the page.
    return { recoveryCodes: done.recoveryCodes };
  },
  { returnTo: "/account", echo: false },
);

export const removeTotpAction = privateTenantAction(
  "member",
  z.unknown(),
  async (_input, { tenant, user }): Promise<SecondFactorState> => {
    await dropTotp(tenant, user, await required(tenant, user));
    revalidatePath("/account");
    return { next: "/account" };
  },
  { returnTo: "/account" },
);

export const recoveryCodesAction = privateTenantAction(
  "member",
  z.unknown(),
  async (_input, { tenant, user }): Promise<SecondFactorState> => ({
    recoveryCodes: await newRecoveryCodes(tenant, user),
  }),
  { returnTo: "/account" },
);

export const passkeyRegistrationAction = privateTenantAction(
  "member",
  z.unknown(),
  async (_input, { tenant, user }): Promise<{ options?: unknown; error?: string }> => ({
    options: await passkeyEnrolmentOptions(tenant, user, await currentOrigin()),
  }),
  { returnTo: "/account" },
);

export const addPasskeyAction = privateTenantAction(
  "member",
  z.object({ response: z.string().max(20_000), name: z.string().max(200).default("") }),
  async ({ response, name }, { tenant, user }): Promise<SecondFactorState> => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(response);
    } catch {
      return { error: "The passkey's answer could not be read. Try again." };
    }
    const added = await addPasskey(tenant, user, await currentOrigin(), parsed as never, name);
    if (!added.ok) return { error: added.message };
    revalidatePath("/account");
    return { next: "/account" };
  },
  { returnTo: "/account" },
);

export const removePasskeyAction = privateTenantAction(
  "member",
  z.object({ passkey: z.string().min(1, "Choose a passkey from the list.").max(512) }),
  async ({ passkey }, { tenant, user }): Promise<SecondFactorState> => {
    await dropPasskey(tenant, user, passkey, await required(tenant, user));
    revalidatePath("/account");
    return { next: "/account" };
  },
  { returnTo: "/account" },
);
