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
 * (decideSession, docs/decisions/041) and, if its user must use a second factor, have proved it
 * (docs/decisions/045); the tenant must not be suspended.
 */
export async function tenantUser(tenant: ResolvedTenant): Promise<TenantUser | null> {
  const read = await readTenantUser(tenant);
  return read?.state === "signed-in" ? markVerified(read.user) : null;
}

/**
 * A session that gave its password (or email link) but still owes the second factor its user must
 * use (docs/decisions/045): "half signed in". Only the second step's page and actions read it; to
 * every other page, route and action it is a visitor.
 */
export interface PendingTenantUser {
  tenantId: string;
  id: string;
  email: string;
  name: string;
  role: TenantRole;
  sessionId: string;
  /** Has a factor to prove; false when the portal's policy asks them to set one up first. */
  enrolled: boolean;
}

export async function pendingTenantUser(tenant: ResolvedTenant): Promise<PendingTenantUser | null> {
  const read = await readTenantUser(tenant);
  return read?.state === "second-factor" ? read.user : null;
}

type TenantRead =
  { state: "signed-in"; user: TenantUserFields } | { state: "second-factor"; user: PendingTenantUser } | null;

async function readTenantUser(tenant: ResolvedTenant): Promise<TenantRead> {
  if (tenant.status !== "active") return null;
  const session = await getServerSession(tenantAuthOptions(tenant, await currentOrigin()));
  if (!session || session.realm !== "tenant" || session.tid !== tenant.id || !session.uid) return null;
  // The user and the session row in one query; then the one decision both realms share.
  const read = await readTenantSession(tenant.id, session.uid, session.sid);
  if (!read || !read.session) return null;
  const decision = decideSession(read.user, read.session, session);
  const { user } = read;
  if (!decision.ok) {
    if (decision.why !== "second-factor" || session.imp) return null;
    return {
      state: "second-factor",
      user: {
        tenantId: tenant.id,
        id: user.id,
        email: user.email,
        name: user.name,
        role: user.role,
        sessionId: read.session.id,
        enrolled: user.enrolled,
      },
    };
  }
  await touchTenantSession(tenant.id, read.session);
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
    return { state: "signed-in", user: { ...fields, impersonation } };
  }
  return { state: "signed-in", user: fields };
}

/** As tenantUser, but sends a visitor to sign in, and answers 403 below `atLeast`. */
export async function requireTenantUser(
  tenant: ResolvedTenant,
  returnTo: string,
  atLeast: TenantRole = "member",
): Promise<TenantUser> {
  const read = await readTenantUser(tenant);
  if (read?.state === "second-factor") redirect(`/sign-in/second-factor?callbackUrl=${encodeURIComponent(returnTo)}`);
  if (!read) redirect(`/sign-in?callbackUrl=${encodeURIComponent(returnTo)}`);
  const user = markVerified(read.user);
  assertTenantRole(user, tenant, atLeast);
  return user;
}
