"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import type { ActionState } from "@/lib/actions/action-state.ts";
import { text } from "@/lib/actions/fields.server.ts";
import { tenantAction } from "@/lib/actions/tenant-action.server.ts";
import { requestOrigin } from "@/lib/audit/request.server.ts";
import { addEmailDomain, checkEmailDomain, removeEmailDomain } from "@/lib/auth/email-domains.server.ts";

// Tenant owners only (decision 044), checked here and again by each function; each change is audited by lib/auth/email-domains.server.ts itself.
const options = { returnTo: "/manage/domains" };

export const addDomainAction = tenantAction(
  "owner",
  z.object({ domain: text() }),
  async ({ domain }, { tenant, user }): Promise<ActionState> => {
    const added = await addEmailDomain(tenant, user, domain, await requestOrigin());
    revalidatePath("/manage/domains");
    return { message: `${added.domain} was added. Publish its TXT record, then check it.` };
  },
  options,
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
  async ({ id }, { tenant, user }): Promise<ActionState> => {
    const removed = await removeEmailDomain(tenant, user, id, await requestOrigin());
    revalidatePath("/manage/domains");
    return { message: `${removed.domain} was removed.` };
  },
  { ...options, echo: false },
);
