"use server";

import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { z } from "zod";
import { privateTenantAction } from "@/lib/actions/tenant-action.server.ts";
import { requestOrigin } from "@/lib/audit/request.server.ts";
import { endImpersonation } from "@/lib/auth/impersonation.server.ts";
import { currentOrigin } from "@/lib/auth/origin.server.ts";
import { tenantAuthOptions } from "@/lib/auth/tenant-options.server.ts";
import { tenantUser } from "@/lib/auth/tenant-guard.server.ts";
import { platform } from "@/lib/platform/platform.server.ts";
import { endTenantSession } from "@/lib/auth/user-sessions.server.ts";

/**
 * "End impersonation": the grant is ended (the session dies everywhere) and the cookie cleared.
 * Public: a session whose grant has already ended must still be able to leave.
 */
export const endImpersonationAction = privateTenantAction("public", z.unknown(), async (_input, { tenant }) => {
  const user = await tenantUser(tenant);
  if (user?.impersonation) {
    await endImpersonation(platform().control, tenant.id, user.impersonation.grantId, await requestOrigin());
    if (user.sessionId) await endTenantSession(tenant.id, user.id, user.sessionId);
  }
  const name = tenantAuthOptions(tenant, await currentOrigin()).cookies?.sessionToken?.name;
  if (name) (await cookies()).delete(name);
  redirect("/impersonation/ended");
});
