"use server";

import { redirect } from "next/navigation";
import { requestOrigin } from "@/lib/audit/request.server.ts";
import { requireAgencyUser } from "@/lib/auth/agency-auth.server.ts";
import { PorticoError } from "@/lib/util/errors.ts";
import { TENANT_ACTION_KINDS, type OperationKind } from "@/lib/operations/kinds.ts";
import { queueOperation } from "@/lib/operations/queue.server.ts";
import { platform } from "@/lib/platform/platform.server.ts";

export interface ActionState {
  error?: string;
}

/** Kinds that destroy data need the tenant's slug typed back as confirmation. */
const CONFIRM_BY_SLUG: ReadonlySet<OperationKind> = new Set(["discard", "offboard"]);

/**
 * Queues a lifecycle action from the dashboard (owner or operator), then shows its progress.
 * Form fields: kind, slug, confirm (for destructive kinds), and the kind's own inputs.
 */
export async function queueAction(_: ActionState, form: FormData): Promise<ActionState> {
  const user = await requireAgencyUser("/", "operator");
  const kind = String(form.get("kind") ?? "") as OperationKind;
  const slug = String(form.get("slug") ?? "") || null;
  if (!(TENANT_ACTION_KINDS as readonly string[]).includes(kind)) return { error: "Unknown action." };
  if (CONFIRM_BY_SLUG.has(kind) && form.get("confirm") !== slug) return { error: `Type the tenant's slug (${slug}) to confirm.` };
  const input: Record<string, unknown> = {};
  if (kind === "rename") input.name = String(form.get("name") ?? "");
  if (kind === "set-domains") input.domains = String(form.get("domains") ?? "").split(/[\s,]+/).filter(Boolean);
  if (kind === "move") input.server = String(form.get("server") ?? "");
  if (kind === "migrate-fleet") input.concurrency = 4;
  let id: string;
  try {
    ({ id } = await queueOperation(platform().control, {
      kind,
      slug: kind === "migrate-fleet" ? null : slug,
      input,
      actor: { type: "agency-user", id: user.id, label: user.email },
      // One click, one operation: a double-submitted form carries the same nonce.
      idempotencyKey: typeof form.get("nonce") === "string" && form.get("nonce") ? `form:${String(form.get("nonce")).slice(0, 60)}` : undefined,
      ...(await requestOrigin()),
    }));
  } catch (error) {
    if (error instanceof PorticoError) return { error: error.message };
    throw error;
  }
  redirect(`/operations/${id}`);
}
