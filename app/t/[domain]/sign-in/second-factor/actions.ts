"use server";

import { z } from "zod";
import { text } from "@/lib/actions/fields.server.ts";
import { privateTenantAction } from "@/lib/actions/tenant-action.server.ts";
import { currentOrigin } from "@/lib/auth/origin.server.ts";
import { safeRedirect } from "@/lib/auth/redirect.ts";
import {
  beginTotp,
  finishTotp,
  passkeyChallenge,
  proveSecondFactor,
  type SecondFactorKind,
} from "@/lib/auth/second-factor.server.ts";
import { pendingTenantUser } from "@/lib/auth/tenant-guard.server.ts";
import type { ResolvedTenant } from "@/lib/tenancy/resolver.ts";
import type { SecondFactorState } from "@/components/auth/second-factor-forms.tsx";

// The second step of a sign-in (docs/decisions/045). These run for a half-signed-in session: the
// guard's pendingTenantUser names its user, so nothing here trusts the form for who is proving.

const SIGN_IN_AGAIN = "Your sign-in has ended. Sign in again.";

async function pending(tenant: ResolvedTenant) {
  return pendingTenantUser(tenant);
}

async function onward(next: string): Promise<string> {
  return safeRedirect(next, await currentOrigin(), "/account");
}

const codeForm = z.object({ code: text(), next: text() });

function prove(kind: Exclude<SecondFactorKind, "passkey">) {
  return privateTenantAction(
    "public",
    codeForm,
    async ({ code, next }, { tenant }): Promise<SecondFactorState> => {
      const who = await pending(tenant);
      if (!who) return { error: SIGN_IN_AGAIN };
      const outcome = await proveSecondFactor(tenant, who, kind, code);
      return outcome.ok ? { next: await onward(next) } : { error: outcome.message };
    },
    { echo: false },
  );
}

export const verifyTotpAction = prove("totp");
export const verifyRecoveryCodeAction = prove("recovery-code");

export const passkeyOptionsAction = privateTenantAction(
  "public",
  z.unknown(),
  async (_input, { tenant }): Promise<{ options?: unknown; error?: string }> => {
    const who = await pending(tenant);
    if (!who) return { error: SIGN_IN_AGAIN };
    const options = await passkeyChallenge(tenant, who, await currentOrigin());
    return options
      ? { options }
      : { error: "You have no passkey on this portal. Use your authenticator app or a recovery code." };
  },
);

export const verifyPasskeyAction = privateTenantAction(
  "public",
  z.object({ response: z.string().max(20_000), next: text() }),
  async ({ response, next }, { tenant }): Promise<SecondFactorState> => {
    const who = await pending(tenant);
    if (!who) return { error: SIGN_IN_AGAIN };
    let parsed: unknown;
    try {
      parsed = JSON.parse(response);
    } catch {
      return { error: "The passkey's answer could not be read. Try again." };
    }
    const outcome = await proveSecondFactor(tenant, who, "passkey", parsed, await currentOrigin());
    return outcome.ok ? { next: await onward(next) } : { error: outcome.message };
  },
);

/** Enrolment during sign-in, when the portal requires a second factor the person does not have yet. */
export const beginEnrolmentAction = privateTenantAction(
  "public",
  z.unknown(),
  async (_input, { tenant }): Promise<SecondFactorState> => {
    const who = await pending(tenant);
    if (!who) return { error: SIGN_IN_AGAIN };
    if (who.enrolled) return { error: "You already have a second factor: use it to finish signing in." };
    const { secret, qrSvg } = await beginTotp(tenant, who);
    return { enrolment: { secret, qrSvg } };
  },
);

export const finishEnrolmentAction = privateTenantAction(
  "public",
  codeForm,
  async ({ code }, { tenant }): Promise<SecondFactorState> => {
    const who = await pending(tenant);
    if (!who) return { error: SIGN_IN_AGAIN };
    const done = await finishTotp(tenant, who, code);
    return done.ok ? { recoveryCodes: done.recoveryCodes } : { error: done.message };
  },
  { echo: false },
);
