"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import type { ActionState } from "@/lib/actions/action-state.ts";
import { agencyAction } from "@/lib/actions/agency-action.server.ts";
import { text } from "@/lib/actions/fields.server.ts";
import { requestOrigin } from "@/lib/audit/request.server.ts";
import type { OperationKind } from "@/lib/operations/kinds.ts";
import { awaitOperation, queueOperation } from "@/lib/operations/queue.server.ts";
import { platform } from "@/lib/platform/platform.server.ts";
import { unlockAccount } from "@/lib/auth/lockouts.server.ts";

const KINDS = {
  invite: "agency-user-invite",
  role: "agency-user-role",
  deactivate: "agency-user-deactivate",
  reactivate: "agency-user-reactivate",
} as const satisfies Record<string, OperationKind>;

const DONE = {
  role: "Role changed.",
  deactivate: "Deactivated: their sessions have ended.",
  reactivate: "Reactivated.",
} as const;

/** A sentence: capitalised (unless it starts with an address) and ended with a full stop. */
function capitalise(s: string): string {
  const first = /^\S+@\S+/.test(s) ? s : s.charAt(0).toUpperCase() + s.slice(1);
  return first + (/[.!?]$/.test(first) ? "" : ".");
}

/** Agency owners lift a sign-in lockout of an agency account; audited by unlockAccount. */
export const unlockAgencyUserAction = agencyAction(
  "owner",
  z.object({ email: text().transform((email) => email.slice(0, 254)) }),
  async ({ email }, { user }): Promise<ActionState> => {
    const lifted = await unlockAccount(
      { agency: true, email },
      { type: "agency-user", id: user.id, label: user.email },
      await requestOrigin(),
    );
    revalidatePath("/users");
    return lifted ? { message: `${email} can sign in again.` } : { error: `${email} is not locked (any more).` };
  },
  { returnTo: "/users" },
);

/**
 * Agency owners manage agency users. The change is an operation carried out by the worker
 * (the web app may not change roles: decision 009); the form waits for its outcome.
 */
export const agencyUserAction = agencyAction(
  "owner",
  z.object({
    what: z.enum(["invite", "role", "deactivate", "reactivate"], { error: "Unknown action." }),
    email: text(),
    name: text(),
    role: text(),
    userId: text(),
    nonce: text(),
  }),
  async ({ what, email, name, role, userId, nonce }, { user }): Promise<ActionState> => {
    const values = { email, name, role };
    const input = what === "invite" ? values : what === "role" ? { userId, role } : { userId };
    const { control } = platform();
    const { id } = await queueOperation(control, {
      kind: KINDS[what],
      slug: null,
      input,
      actor: { type: "agency-user", id: user.id, label: user.email },
      idempotencyKey: nonce ? `users:${nonce.slice(0, 60)}` : undefined,
      ...(await requestOrigin()),
    });
    const outcome = await awaitOperation(control, id);
    revalidatePath("/users");
    if (outcome.status === "failed") return { error: capitalise(outcome.error ?? "it failed"), values };
    if (outcome.status === "pending")
      return { message: "Queued; the change will show here once the worker has carried it out." };
    return { message: what === "invite" ? `Invitation sent to ${email.trim().toLowerCase()}.` : DONE[what] };
  },
  { returnTo: "/users", message: capitalise },
);
