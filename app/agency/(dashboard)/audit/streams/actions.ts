"use server";

import { revalidatePath } from "next/cache";
import type { SinkActionState } from "@/components/audit/stream-sink-forms.tsx";
import { agencyAction } from "@/lib/actions/agency-action.server.ts";
import { appendAudit } from "@/lib/audit/log.server.ts";
import { handleSinkRequest, sinkRequest } from "@/lib/audit/sinks.server.ts";
import { platform } from "@/lib/platform/platform.server.ts";

/** Agency owners manage the agency's audit sinks (decision 049); each change is audited. */
export const agencySinkAction = agencyAction(
  "owner",
  sinkRequest,
  async (request, { user }): Promise<SinkActionState> => {
    const { control, keyring, env } = platform();
    const actor = { type: "agency-user" as const, id: user.id, label: user.email };
    const outcome = await handleSinkRequest(
      { control, keyring, allowPrivate: env.PORTICO_AUDIT_SINKS_ALLOW_PRIVATE },
      null,
      request,
      actor,
      () => appendAudit(control, { actor, action: "audit-sink.test", details: { sinkId: request.sinkId } }),
    );
    revalidatePath("/audit/streams");
    return outcome;
  },
  { returnTo: "/audit/streams" },
);
