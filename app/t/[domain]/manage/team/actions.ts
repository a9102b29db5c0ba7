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

const options = { returnTo: "/manage/team" };

export const inviteAction = tenantAction(
  "admin",
  z.object({ email: text(), name: text(), role: text() }),
  async (input, { tenant, user }): Promise<ActionState> => {
    const outcome = await inviteToTeam(tenant, user, input);
    revalidatePath("/manage/team");
    return { message: (await getTranslations("actions"))(outcome === "invited" ? "invited" : "roleGiven") };
  },
  options,
);

export const roleAction = tenantAction(
  "admin",
  z.object({ user: text(), role: text() }),
  async ({ user: id, role }, { tenant, user }): Promise<ActionState> => {
    await changeRole(tenant, user, id, role);
    revalidatePath("/manage/team");
    return { message: (await getTranslations("actions"))("roleChanged") };
  },
  options,
);

/** Lifts a sign-in lockout of one of this portal's accounts (owners and admins); audited by unlockAccount. */
export const unlockAction = tenantAction(
  "admin",
  z.object({ email: text().transform((email) => email.slice(0, 254)) }),
  async ({ email }, { tenant, user }): Promise<ActionState> => {
    const lifted = await unlockAccount(
      { tenantId: tenant.id, email },
      { type: "tenant-user", id: user.id, label: user.email },
      await requestOrigin(),
    );
    revalidatePath("/manage/team");
    const t = await getTranslations("actions");
    return lifted ? { message: t("unlocked", { email }) } : { error: t("notLocked", { email }) };
  },
  options,
);

export const removeAction = tenantAction(
  "admin",
  z.object({ user: text() }),
  async ({ user: id }, { tenant, user }): Promise<ActionState> => {
    await removeFromTeam(tenant, user, id);
    revalidatePath("/manage/team");
    return { message: (await getTranslations("actions"))("removed") };
  },
  options,
);
