"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import type { ActionState } from "@/lib/actions/action-state.ts";
import { text } from "@/lib/actions/fields.server.ts";
import { tenantAction } from "@/lib/actions/tenant-action.server.ts";
import { requestOrigin } from "@/lib/audit/request.server.ts";
import { addEmailDomain, checkEmailDomain, removeEmailDomain } from "@/lib/auth/email-domains.server.ts";
import { setSsoRequired } from "@/lib/auth/sso-required.server.ts";

// Tenant owners only (decision 044), checked here and again by each function; each change is audited by lib/auth/email-domains.server.ts itself.
const options = { returnTo: "/manage/domains" };

export const addDomainAction = tenantAction(
  "owner",
  z.object({ domain: text() }),
  async ({ domain }, { tenant, user, trail }): Promise<ActionState> => {
    const added = await addEmailDomain(tenant, user, domain, await requestOrigin());
    await trail({ details: { domain: added.domain } });
    revalidatePath("/manage/domains");
    return { message: `${added.domain} was added. Publish its TXT record, then check it.` };
  },
  { ...options, trail: "settings.domain.add" },
);

export const checkDomainAction = tenantAction(
  "owner",
  z.object({ id: text() }),
  async ({ id }, { tenant, user }): Promise<ActionState> => {
    try {
      const checked = await checkEmailDomain(tenant, user, id, await requestOrigin());
      return { message: `${checked.domain} is verified.` };
    } finally {
      // A failed check is kept on the row too: the list shows it beside the domain.
      revalidatePath("/manage/domains");
    }
  },
  { ...options, echo: false },
);

export const removeDomainAction = tenantAction(
  "owner",
  z.object({ id: text() }),
  async ({ id }, { tenant, user, trail }): Promise<ActionState> => {
    const removed = await removeEmailDomain(tenant, user, id, await requestOrigin());
    await trail({ details: { domain: removed.domain } });
    revalidatePath("/manage/domains");
    return { message: `${removed.domain} was removed.` };
  },
  { ...options, echo: false, trail: "settings.domain.remove" },
);

/** "SSO required for verified domains" (docs/decisions/047): owners only; setSsoRequired checks every condition and audits. */
export const setSsoPolicyAction = tenantAction(
  "owner",
  z.object({ on: z.string().optional(), breakGlassUserId: z.string().optional() }),
  async ({ on, breakGlassUserId }, { tenant, user, trail }): Promise<ActionState> => {
    const state = await setSsoRequired(tenant, user, { on: on === "on", breakGlassUserId }, await requestOrigin());
    await trail({ details: { on: state.on } });
    revalidatePath("/manage/domains");
    return {
      message: state.on
        ? `Single sign-on is now required for your verified domains. ${state.breakGlass?.email ?? ""} keeps password sign-in.`
        : "Single sign-on is no longer required: everyone may sign in with a password or an email link again.",
    };
  },
  { ...options, trail: "settings.sso-required" },
);
