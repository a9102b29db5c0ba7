"use server";

import { revalidatePath } from "next/cache";
import { getTranslations } from "next-intl/server";
import { z } from "zod";
import type { ActionState } from "@/lib/actions/action-state.ts";
import { text } from "@/lib/actions/fields.server.ts";
import { tenantAction } from "@/lib/actions/tenant-action.server.ts";
import { requestOrigin } from "@/lib/audit/request.server.ts";
import { changeRole, inviteToTeam, removeFromTeam } from "@/lib/portal/team.server.ts";
import { unlockAccount } from "@/lib/auth/lockouts.server.ts";
import { withTenantDb } from "@/lib/platform/with-tenant-db.server.ts";

const options = { returnTo: "/manage/team" };

export const inviteAction = tenantAction(
  "admin",
  z.object({ email: text(), name: text(), role: text() }),
  async (input, { tenant, user, trail }): Promise<ActionState> => {
    const outcome = await inviteToTeam(tenant, user, input);
    await trail({ subject: { email: input.email, name: input.name }, details: { role: input.role, outcome } });
    revalidatePath("/manage/team");
    return { message: (await getTranslations("actions"))(outcome === "invited" ? "invited" : "roleGiven") };
  },
  { ...options, trail: "team.invite" },
);

export const roleAction = tenantAction(
  "admin",
  z.object({ user: text(), role: text() }),
  async ({ user: id, role }, { tenant, user, trail }): Promise<ActionState> => {
    const subject = await teamMember(tenant.id, id);
    await changeRole(tenant, user, id, role);
    await trail({ ...(subject ? { subject } : {}), details: { role } });
    revalidatePath("/manage/team");
    return { message: (await getTranslations("actions"))("roleChanged") };
  },
  { ...options, trail: "team.role" },
);

/** Lifts a sign-in lockout of one of this portal's accounts (owners and admins); audited by unlockAccount. */
export const unlockAction = tenantAction(
  "admin",
  z.object({ email: text().transform((email) => email.slice(0, 254)) }),
  async ({ email }, { tenant, user, trail }): Promise<ActionState> => {
    const lifted = await unlockAccount(
      { tenantId: tenant.id, email },
      { type: "tenant-user", id: user.id, label: user.email },
      await requestOrigin(),
    );
    revalidatePath("/manage/team");
    const t = await getTranslations("actions");
    if (lifted) await trail({ subject: { email } });
    return lifted ? { message: t("unlocked", { email }) } : { error: t("notLocked", { email }) };
  },
  { ...options, trail: "team.unlock" },
);

export const removeAction = tenantAction(
  "admin",
  z.object({ user: text() }),
  async ({ user: id }, { tenant, user, trail }): Promise<ActionState> => {
    const subject = await teamMember(tenant.id, id);
    await removeFromTeam(tenant, user, id);
    await trail(subject ? { subject } : {});
    revalidatePath("/manage/team");
    return { message: (await getTranslations("actions"))("removed") };
  },
  { ...options, trail: "team.remove" },
);

/** Whom a team change is about, for the trail: their email and name, or null for an unknown id. */
async function teamMember(tenantId: string, id: string): Promise<{ email: string; name: string } | null> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
  return withTenantDb(tenantId, (db) => db.user.findUnique({ where: { id }, select: { email: true, name: true } }));
}
