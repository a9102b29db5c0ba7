"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { text } from "@/lib/actions/fields.server.ts";
import { agencyAction } from "@/lib/actions/agency-action.server.ts";
import {
  beginAgencyTotp,
  dropAgencyTotp,
  finishAgencyTotp,
  newAgencyRecoveryCodes,
} from "@/lib/auth/agency-second-factor.server.ts";
import type { SecondFactorState } from "@/components/auth/second-factor-forms.tsx";

// The agency account page's second factors (docs/decisions/046): each is the signed-in user's
// own, checked by the guard inside agencyAction; lib/auth/agency-second-factor.server.ts audits
// them. Removing the app and making new recovery codes ask for a current code from the app.

export const beginAgencyTotpAction = agencyAction(
  "viewer",
  z.unknown(),
  async (_input, { user }): Promise<SecondFactorState> => {
    const { secret, qrSvg } = await beginAgencyTotp(user);
    return { enrolment: { secret, qrSvg } };
  },
  { returnTo: "/account" },
);

export const finishAgencyTotpAction = agencyAction(
  "viewer",
  z.object({ code: text() }),
  async ({ code }, { user }): Promise<SecondFactorState> => {
    const done = await finishAgencyTotp(user, code);
    // No revalidation: the page would swap the form before the codes were read; "Continue" reloads.
    return done.ok ? { recoveryCodes: done.recoveryCodes } : { error: done.message };
  },
  { returnTo: "/account", echo: false },
);

export const removeAgencyTotpAction = agencyAction(
  "viewer",
  z.object({ code: text() }),
  async ({ code }, { user }): Promise<SecondFactorState> => {
    const removed = await dropAgencyTotp(user, code);
    if (!removed.ok) return { error: removed.message };
    revalidatePath("/account");
    return { next: "/account" };
  },
  { returnTo: "/account", echo: false },
);

export const agencyRecoveryCodesAction = agencyAction(
  "viewer",
  z.object({ code: text() }),
  async ({ code }, { user }): Promise<SecondFactorState> => {
    const made = await newAgencyRecoveryCodes(user, code);
    return made.ok ? { recoveryCodes: made.recoveryCodes } : { error: made.message };
  },
  { returnTo: "/account", echo: false },
);
