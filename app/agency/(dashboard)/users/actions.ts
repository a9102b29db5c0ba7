"use server";

import { revalidatePath } from "next/cache";
import { requestOrigin } from "@/lib/audit/request.server.ts";
import { requireAgencyUser } from "@/lib/auth/agency-auth.server.ts";
import { PorticoError } from "@/lib/util/errors.ts";
import type { OperationKind } from "@/lib/operations/kinds.ts";
import { awaitOperation, queueOperation } from "@/lib/operations/queue.server.ts";
import { platform } from "@/lib/platform/platform.server.ts";
import type { UnlockState } from "@/components/auth/locked-accounts.tsx";
import { unlockAccount } from "@/lib/auth/lockouts.server.ts";

export interface UserActionState {
  error?: string;
  message?: string;
  /** What was submitted, shown again (React resets a form after its action). */
  values?: Record<string, string>;
}

const KINDS: Record<string, OperationKind> = {
  invite: "agency-user-invite",
  role: "agency-user-role",
  deactivate: "agency-user-deactivate",
  reactivate: "agency-user-reactivate",
};

/**
 * Agency owners manage agency users. The change is an operation carried out by the worker
 * (the web app may not change roles: decision 009); the form waits for its outcome.
 */
/** Agency owners lift a sign-in lockout of an agency account; audited. */
export async function unlockAgencyUserAction(_: UnlockState, form: FormData): Promise<UnlockState> {
  const user = await requireAgencyUser("/users", "owner");
  const email = String(form.get("email") ?? "").slice(0, 254);
  const lifted = await unlockAccount({ agency: true, email }, { type: "agency-user", id: user.id, label: user.email }, await requestOrigin());
  revalidatePath("/users");
  return lifted ? { message: `${email} can sign in again.` } : { error: `${email} is not locked (any more).` };
}

export async function agencyUserAction(_: UserActionState, form: FormData): Promise<UserActionState> {
  const user = await requireAgencyUser("/users", "owner");
  const what = String(form.get("what") ?? "");
  const kind = KINDS[what];
  const values = { email: String(form.get("email") ?? ""), name: String(form.get("name") ?? ""), role: String(form.get("role") ?? "") };
  if (!kind) return { error: "Unknown action." };
  const input =
    what === "invite" ? values
    : what === "role" ? { userId: String(form.get("userId") ?? ""), role: values.role }
    : { userId: String(form.get("userId") ?? "") };
  try {
    const { control } = platform();
    const { id } = await queueOperation(control, {
      kind,
      slug: null,
      input,
      actor: { type: "agency-user", id: user.id, label: user.email },
      idempotencyKey: typeof form.get("nonce") === "string" && form.get("nonce") ? `users:${String(form.get("nonce")).slice(0, 60)}` : undefined,
      ...(await requestOrigin()),
    });
    const outcome = await awaitOperation(control, id);
    revalidatePath("/users");
    if (outcome.status === "failed") return { error: capitalise(outcome.error ?? "it failed"), values };
    if (outcome.status === "pending") return { message: "Queued; the change will show here once the worker has carried it out." };
    return {
      message:
        what === "invite" ? `Invitation sent to ${values.email.trim().toLowerCase()}.`
        : what === "role" ? "Role changed."
        : what === "deactivate" ? "Deactivated: their sessions have ended."
        : "Reactivated.",
    };
  } catch (error) {
    if (error instanceof PorticoError) return { error: capitalise(error.message), values };
    throw error;
  }
}

/** A sentence: capitalised (unless it starts with an address) and ended with a full stop. */
function capitalise(s: string): string {
  const first = /^\S+@\S+/.test(s) ? s : s.charAt(0).toUpperCase() + s.slice(1);
  return first + (/[.!?]$/.test(first) ? "" : ".");
}
