import type { AgencyUser } from "../../lib/auth/agency-guard.server.ts";
import type { TenantUser } from "../../lib/auth/tenant-guard.server.ts";
import { markVerified } from "../../lib/auth/verified.ts";

/**
 * An agency viewer for tests that call data functions directly. Stands in for the guard, which in
 * the app verifies the user from the request's session (docs/decisions/018).
 */
export function agencyViewer(role: AgencyUser["role"] = "viewer"): AgencyUser {
  return markVerified({
    id: "00000000-0000-4000-8000-000000000001",
    email: "olive@agency.example",
    name: "Olive",
    role,
  });
}

/** A tenant user as the tenant guard would return it, for tests that call data functions directly. */
export function tenantViewer(
  tenantId: string,
  user: { id: string; email: string; name: string; role: TenantUser["role"] },
): TenantUser {
  return markVerified({ tenantId, ...user });
}
