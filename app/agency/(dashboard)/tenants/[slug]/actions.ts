"use server";

import { requestOrigin } from "@/lib/audit/request.server.ts";
import { requireAgencyUser } from "@/lib/auth/agency-auth.server.ts";
import { issueImpersonation } from "@/lib/auth/impersonation.server.ts";
import { publicLink } from "@/lib/auth/origin.server.ts";
import { requireRuntime } from "@/lib/config/env.server.ts";
import { withTenantDb } from "@/lib/platform/with-tenant-db.server.ts";
import { PorticoError } from "@/lib/util/errors.ts";
import { platform } from "@/lib/platform/platform.server.ts";
import { tenantHosts } from "@/lib/tenancy/host.ts";

export interface ImpersonationState {
  error?: string;
  url?: string;
}

/** Issues a hand-off into the tenant's portal (agency owners only) and returns its link. */
export async function startImpersonation(_: ImpersonationState, form: FormData): Promise<ImpersonationState> {
  const slug = String(form.get("slug") ?? "");
  const user = await requireAgencyUser(`/tenants/${slug}`);
  const { control, env, hosts } = platform();
  const tenant = await control.tenant.findUnique({ where: { slug }, select: { id: true, slug: true, status: true, domains: { select: { hostname: true, isPrimary: true }, orderBy: [{ isPrimary: "desc" }, { hostname: "asc" }] } } });
  if (!tenant) return { error: "That tenant no longer exists." };
  try {
    const issued = await issueImpersonation(
      { control, secretKey: requireRuntime(env).secretKey, useTenant: withTenantDb },
      user,
      tenant,
      { targetUserId: form.get("target"), reason: form.get("reason") },
      await requestOrigin(),
    );
    const host = tenantHosts(tenant.slug, tenant.domains, hosts)[0]!;
    return { url: publicLink(host, `/impersonate?token=${encodeURIComponent(issued.token)}`) };
  } catch (error) {
    if (error instanceof PorticoError) return { error: error.message };
    throw error;
  }
}
