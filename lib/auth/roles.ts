import { z } from "zod";
import { emailAddress } from "../mail/address.ts";

/** Each realm's roles, lowest first. */
export const TENANT_ROLES = ["member", "staff", "admin", "owner"] as const;
export const AGENCY_ROLES = ["viewer", "operator", "owner"] as const;
export type TenantRole = (typeof TENANT_ROLES)[number];
export type AgencyRole = (typeof AGENCY_ROLES)[number];

const agencyRole = z.enum(AGENCY_ROLES, { message: "choose owner, operator or viewer" });
const agencyUserId = z.string().uuid("unknown agency user");

/** What an agency owner enters to invite, re-role or (de)activate an agency user. */
export const agencyMemberInputs = {
  invite: z.object({
    email: emailAddress("enter an email address, e.g. sam@agency.example"),
    name: z.string().trim().min(1, "enter the person's name").max(120),
    role: agencyRole,
  }),
  role: z.object({ userId: agencyUserId, role: agencyRole }),
  user: z.object({ userId: agencyUserId }),
};
