/**
 * Proof that a guard checked the user of this request. Data functions that read private data
 * take a Verified viewer as a parameter, so they cannot be called before the guard has run: a
 * layout is never the guard, because Next renders layouts and pages in parallel and a page's
 * data reaches the response body even when its layout redirects (docs/decisions/018).
 *
 * The brand exists only in the type system; only the guards in lib/auth mark a user verified.
 */
import { forbidden } from "next/navigation";
import { AGENCY_ROLES, TENANT_ROLES, type AgencyRole, type TenantRole } from "./roles.ts";

export type { AgencyRole, TenantRole };

declare const verifiedBrand: unique symbol;
export type Verified<T> = T & { readonly [verifiedBrand]: true };

/** For the guards in lib/auth alone: the user was read from a valid session just now. */
export function markVerified<T extends object>(user: T): Verified<T> {
  return user as Verified<T>;
}

const rank = <R extends string>(roles: readonly R[], role: R) => roles.indexOf(role);

/**
 * What every data function that reads a tenant's private data calls first: the viewer a guard
 * verified must belong to this tenant and hold at least this role, else 403.
 */
export function assertTenantRole(
  viewer: Verified<{ tenantId: string; role: TenantRole }>,
  tenant: { id: string },
  atLeast: TenantRole,
): void {
  if (viewer.tenantId !== tenant.id || rank(TENANT_ROLES, viewer.role) < rank(TENANT_ROLES, atLeast)) forbidden();
}

/** What agency data functions call first: the verified viewer holds at least this role, else 403. */
export function assertAgencyRole(viewer: Verified<{ role: AgencyRole }>, atLeast: AgencyRole): void {
  if (rank(AGENCY_ROLES, viewer.role) < rank(AGENCY_ROLES, atLeast)) forbidden();
}

/** An agency owner's live impersonation grant, as the tenant guard reads it. */
export interface ActiveImpersonation {
  grantId: string;
  agencyUserEmail: string;
  sessionExpiresAt: Date;
}

/** A tenant's user as its guard read them on this request. */
export interface TenantUserFields {
  tenantId: string;
  id: string;
  email: string;
  name: string;
  role: TenantRole;
  /** Present while an agency owner is viewing the portal as this user. */
  impersonation?: ActiveImpersonation;
  /** The session row this request's cookie carries (docs/decisions/041). */
  sessionId?: string;
}
export type TenantUser = Verified<TenantUserFields>;

/** An agency user as the agency guard read them on this request. */
export interface AgencyUserFields {
  id: string;
  email: string;
  name: string;
  role: AgencyRole;
  /** The session row this request's cookie carries (docs/decisions/041). */
  sessionId?: string;
}
export type AgencyUser = Verified<AgencyUserFields>;
