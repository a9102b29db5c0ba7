"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import type { ActionState } from "@/lib/actions/action-state.ts";
import { agencyAction } from "@/lib/actions/agency-action.server.ts";
import { endAgencySession, endAgencySessionsOf } from "@/lib/auth/user-sessions.server.ts";
import { agencyAccount } from "@/lib/security/throttle.server.ts";

/**
 * An agency user ends one of their own sessions, or all but this one (docs/decisions/041). The
 * row is the truth: the ended sessions are refused at their next request on every instance.
 */
export const endAgencySessionAction = agencyAction(
  "viewer",
  z.object({ session: z.union([z.literal("others"), z.guid("Choose a session from the list.")]) }),
  async ({ session }, { user, audit }): Promise<ActionState> => {
    const ended =
      session === "others"
        ? await endAgencySessionsOf(user.id, user.sessionId ?? null)
        : (await endAgencySession(user.id, session))
          ? 1
          : 0;
    await audit({ details: { which: session, ended } });
    revalidatePath("/account");
    return {
      message:
        ended === 0 ? "That session had already ended." : `Signed out ${ended} session${ended === 1 ? "" : "s"}.`,
    };
  },
  {
    returnTo: "/account",
    audit: "agency-user.session-end",
    limit: { action: "session-end", key: (_fields, { user }) => agencyAccount(user.email) },
  },
);
