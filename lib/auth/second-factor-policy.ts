import { z } from "zod";
import { TENANT_ROLES, type AgencyRole, type TenantRole } from "./roles.ts";

/**
 * Who must use a second factor (docs/decisions/045). A portal chooses: nobody, its staff and
 * admins (and owners), or everyone. The agency's owners and operators always must; its viewers
 * may not change anything, so their password alone (or the agency's SSO) is enough.
 */
export const SECOND_FACTOR_POLICIES = ["none", "staff", "everyone"] as const;
export type SecondFactorPolicy = (typeof SECOND_FACTOR_POLICIES)[number];

export const secondFactorPolicy = z.enum(SECOND_FACTOR_POLICIES, {
  message: "choose nobody, staff and admins, or everyone",
});

/** Whether a portal user of `role` must complete a second factor under `policy`. */
export function tenantNeedsSecondFactor(policy: SecondFactorPolicy, role: TenantRole): boolean {
  if (policy === "everyone") return true;
  if (policy === "staff") return TENANT_ROLES.indexOf(role) >= TENANT_ROLES.indexOf("staff");
  return false;
}

/** Whether an agency user of `role` must complete a second factor: owners and operators, always. */
export function agencyNeedsSecondFactor(role: AgencyRole): boolean {
  return role === "owner" || role === "operator";
}
