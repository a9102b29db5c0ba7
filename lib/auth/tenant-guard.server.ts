import "server-only";
import { getServerSession } from "next-auth/next";
import { redirect } from "next/navigation";
import { platform } from "../platform/platform.server.ts";
import type { ResolvedTenant } from "../tenancy/resolver.ts";
import { activeImpersonation } from "./impersonation.server.ts";
import { currentOrigin } from "./origin.server.ts";
import { decideSession } from "./session-rules.ts";
import { tenantAuthOptions } from "./tenant-options.server.ts";
import { readTenantSession, touchTenantSession } from "./user-sessions.server.ts";
import { assertTenantRole, markVerified, type TenantRole, type TenantUser, type TenantUserFields } from "./verified.ts";

export { assertTenantRole, type TenantRole, type TenantUser };

/**
 * The signed-in user of this tenant, or null. One guard for every private page, route and
 * action: the token must decrypt with this tenant's secret, name this tenant, and match a user
 * who is still active with the same session version, and its session row must be live
 * (decideSession, docs/decisions/041); the tenant must not be suspended.
 */
export async function tenantUser(tenant: ResolvedTenant): Promise<TenantUser | null> {
  const user = await readTenantUser(tenant);
  return user ? markVerified(user) : null;
}

async function readTenantUser(tenant: ResolvedTenant): Promise<TenantUserFields | null> {
  if (tenant.status !== "active") return null;
  const session = await getServerSession(tenantAuthOptions(tenant, await currentOrigin()));
  if (!session || session.realm !== "tenant" || session.tid !== tenant.id || !session.uid) return null;
  // The user and the session row in one query; then the one decision both realms share.
  const read = await readTenantSession(tenant.id, session.uid, session.sid);
  if (!read || !decideSession(read.user, read.session, session).ok || !read.session) return null;
  await touchTenantSession(tenant.id, read.session);
  const { user } = read;
  const fields = {
    tenantId: tenant.id,
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    sessionId: read.session.id,
  };
  if (session.imp) {
    // An impersonation session lives only as long as its grant: ended, expired or its agency
    // owner deactivated, and it is over on every instance at once.
    const impersonation = await activeImpersonation(platform().control, tenant.id, session.imp);
    if (!impersonation) return null;
    return { ...fields, impersonation };
  }
  return fields;
}

/** As tenantUser, but sends a visitor to sign in, and answers 403 below `atLeast`. */
export async function requireTenantUser(
  tenant: ResolvedTenant,
  returnTo: string,
  atLeast: TenantRole = "member",
): Promise<TenantUser> {
  const user = await tenantUser(tenant);
  if (!user) redirect(`/sign-in?callbackUrl=${encodeURIComponent(returnTo)}`);
  assertTenantRole(user, tenant, atLeast);
  return user;
}
