"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import type { ActionState } from "@/lib/actions/action-state.ts";
import { agencyAction } from "@/lib/actions/agency-action.server.ts";
import { text } from "@/lib/actions/fields.server.ts";
import { requestOrigin } from "@/lib/audit/request.server.ts";
import { InvalidInput } from "@/lib/util/errors.ts";
import { TENANT_ACTION_KINDS, type OperationKind } from "@/lib/operations/kinds.ts";
import { queueOperation } from "@/lib/operations/queue.server.ts";
import { platform } from "@/lib/platform/platform.server.ts";

/** Kinds that destroy data need the tenant's slug typed back as confirmation. */
const CONFIRM_BY_SLUG: ReadonlySet<OperationKind> = new Set(["discard", "offboard"]);

/**
 * Queues a lifecycle action from the dashboard (owner or operator), then shows its progress.
 * Form fields: kind, slug, confirm (for destructive kinds), and the kind's own inputs.
 */
export const queueAction = agencyAction(
  "operator",
  z.object({
    kind: z.enum(TENANT_ACTION_KINDS, { error: "Unknown action." }),
    slug: text().transform((slug) => slug || null),
    confirm: z.string().optional(),
    name: text(),
    domains: text(),
    server: text(),
    confirmRegionSlug: text(),
    confirmRegion: text(),
    backupId: text(),
    into: text(),
    confirmCrossTenant: text(),
    nonce: text(),
  }),
  async (
    {
      kind,
      slug,
      confirm,
      name,
      domains,
      server,
      confirmRegionSlug,
      confirmRegion,
      backupId,
      into,
      confirmCrossTenant,
      nonce,
    },
    { user },
  ): Promise<ActionState> => {
    if (CONFIRM_BY_SLUG.has(kind) && confirm !== slug)
      throw new InvalidInput(`Type the tenant's slug (${slug}) to confirm.`);
    const input: Record<string, unknown> = {};
    if (kind === "rename") input.name = name;
    if (kind === "set-domains") input.domains = domains.split(/[\s,]+/).filter(Boolean);
    if (kind === "move") {
      input.server = server;
      // Leaving the tenant's region (decision 053): an owner types the slug and the target region;
      // the worker checks them against the server's region and the owner's role again.
      if (confirmRegionSlug || confirmRegion) {
        if (user.role !== "owner")
          throw new InvalidInput("Only an agency owner can confirm moving a tenant out of its region.");
        input.confirm = { slug: confirmRegionSlug, region: confirmRegion };
      }
    }
    if (kind === "migrate-fleet") input.concurrency = 4;
    if (kind === "restore") {
      // Another tenant's data into this one: owners only (the worker checks again), slug typed.
      if (confirmCrossTenant && user.role !== "owner")
        throw new InvalidInput("Only an agency owner can copy one tenant's backup into another.");
      Object.assign(input, { backupId, into: into || null, confirmCrossTenant: confirmCrossTenant || null });
    }
    const { id } = await queueOperation(platform().control, {
      kind,
      slug: kind === "migrate-fleet" ? null : slug,
      input,
      actor: { type: "agency-user", id: user.id, label: user.email },
      // One click, one operation: a double-submitted form carries the same nonce.
      idempotencyKey: nonce ? `form:${nonce.slice(0, 60)}` : undefined,
      ...(await requestOrigin()),
    });
    redirect(`/operations/${id}`);
  },
  { echo: false },
);
