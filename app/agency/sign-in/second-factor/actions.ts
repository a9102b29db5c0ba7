"use server";

import { z } from "zod";
import { text } from "@/lib/actions/fields.server.ts";
import { agencyAction } from "@/lib/actions/agency-action.server.ts";
import { pendingAgencyUser } from "@/lib/auth/agency-guard.server.ts";
import { beginAgencyTotp, finishAgencyTotp, proveAgencySecondFactor } from "@/lib/auth/agency-second-factor.server.ts";
import type { CodeKind } from "@/lib/auth/factor-step.server.ts";
import { currentOrigin } from "@/lib/auth/origin.server.ts";
import { safeRedirect } from "@/lib/auth/redirect.ts";
import type { SecondFactorState } from "@/components/auth/second-factor-forms.tsx";

// The second step of an agency sign-in (docs/decisions/046). These run for a half-signed-in
// session: the guard's pendingAgencyUser names its user, so nothing here trusts the form for who
// is proving. "public" only means the signed-in guard does not run first: it would refuse them.

const SIGN_IN_AGAIN = "Your sign-in has ended. Sign in again.";

const codeForm = z.object({ code: text(), next: text() });

function prove(kind: CodeKind) {
  return agencyAction(
    "public",
    codeForm,
    async ({ code, next }): Promise<SecondFactorState> => {
      const who = await pendingAgencyUser();
      if (!who) return { error: SIGN_IN_AGAIN };
      const outcome = await proveAgencySecondFactor(who, kind, code);
      return outcome.ok ? { next: safeRedirect(next, await currentOrigin(), "/") } : { error: outcome.message };
    },
    { echo: false },
  );
}

export const verifyAgencyTotpAction = prove("totp");
export const verifyAgencyRecoveryCodeAction = prove("recovery-code");

/** Enrolment during sign-in: an owner or operator without an app sets one up before going on. */
export const beginAgencyEnrolmentAction = agencyAction("public", z.unknown(), async (): Promise<SecondFactorState> => {
  const who = await pendingAgencyUser();
  if (!who) return { error: SIGN_IN_AGAIN };
  if (who.enrolled) return { error: "You already have an authenticator app: use it to finish signing in." };
  const { secret, qrSvg } = await beginAgencyTotp(who);
  return { enrolment: { secret, qrSvg } };
});

export const finishAgencyEnrolmentAction = agencyAction(
  "public",
  codeForm,
  async ({ code }): Promise<SecondFactorState> => {
    const who = await pendingAgencyUser();
    if (!who) return { error: SIGN_IN_AGAIN };
    if (who.enrolled) return { error: "You already have an authenticator app: use it to finish signing in." };
    const done = await finishAgencyTotp(who, code);
    return done.ok ? { recoveryCodes: done.recoveryCodes } : { error: done.message };
  },
  { echo: false },
);
