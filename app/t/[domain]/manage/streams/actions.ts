"use server";

import { revalidatePath } from "next/cache";
import type { SinkActionState } from "@/components/audit/stream-sink-forms.tsx";
import { privateTenantAction } from "@/lib/actions/tenant-action.server.ts";
import { handleSinkRequest, sinkRequest } from "@/lib/audit/sinks.server.ts";
import { appendTenantAudit } from "@/lib/audit/tenant-trail.server.ts";
import { platform } from "@/lib/platform/platform.server.ts";
import { withTenantDb } from "@/lib/platform/with-tenant-db.server.ts";

/**
 * The portal's owners manage its audit sinks (decision 049). The sink is agency-operated
 * configuration in the control plane (audited there); the change is also written to the
 * tenant's own trail, and a test entry goes only there, to stream like any other.
 */
export const tenantSinkAction = privateTenantAction(
  "owner",
  sinkRequest,
  async (request, { tenant, user }): Promise<SinkActionState> => {
    const { control, keyring, env } = platform();
    const trail = (action: string) =>
      withTenantDb(tenant.id, (db) =>
        appendTenantAudit(db, {
          tenantId: tenant.id,
          actor: { type: "member", personEmail: user.email, personName: user.name, label: "member" },
          action,
          details: { sinkId: request.sinkId || null, name: request.name || null },
        }),
      );
    const outcome = await handleSinkRequest(
      { control, keyring, allowPrivate: env.PORTICO_AUDIT_SINKS_ALLOW_PRIVATE },
      tenant.id,
      request,
      { type: "tenant-user", id: user.id, label: user.email },
      () => trail("audit-sink.test"),
    );
    if (!outcome.error && request.what !== "test") await trail(`audit-sink.${request.what}`);
    revalidatePath("/manage/streams");
    return outcome;
  },
  { returnTo: "/manage/streams" },
);
