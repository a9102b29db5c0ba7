import "server-only";
import type { User } from "next-auth";
import type { Env } from "../config/env.server.ts";
import type { ControlDb } from "../db/control.server.ts";
import { emailAddress } from "../mail/address.ts";
import { AGENCY_ROLES, type AgencyRole } from "./roles.ts";
import { isVerified } from "./sso-members.server.ts";
import type { OidcClientSettings, VerifiedOidcSignIn } from "./sso-oidc.server.ts";

/**
 * The agency realm's one OpenID Connect provider, configured by the environment
 * (PORTICO_AGENCY_OIDC_*, docs/decisions/042). Only existing, active agency users may sign in
 * with it unless PORTICO_AGENCY_OIDC_CREATE_USERS is set: then an unknown person with a verified
 * email and a mapped role is created by the operations worker, which alone changes agency users
 * (decision 026). An existing user's role stays the dashboard's; with a role claim configured,
 * a person the provider no longer maps to any agency role is refused.
 */

export interface AgencySsoConfig extends OidcClientSettings {
  roleClaim: string | null;
  roles: Record<string, AgencyRole>;
  createUsers: boolean;
}

export function agencySsoConfig(env: Env): AgencySsoConfig | null {
  const issuer = env.PORTICO_AGENCY_OIDC_ISSUER;
  const clientId = env.PORTICO_AGENCY_OIDC_CLIENT_ID;
  const clientSecret = env.PORTICO_AGENCY_OIDC_CLIENT_SECRET;
  if (!issuer || !clientId || !clientSecret) return null;
  const roles: Record<string, AgencyRole> = {};
  for (const entry of (env.PORTICO_AGENCY_OIDC_ROLES ?? "").split(",")) {
    const eq = entry.lastIndexOf("=");
    const role = entry.slice(eq + 1).trim() as AgencyRole;
    if (eq > 0 && AGENCY_ROLES.includes(role)) roles[entry.slice(0, eq).trim()] = role;
  }
  const scopes = [...new Set(["openid", ...env.PORTICO_AGENCY_OIDC_SCOPES.split(/\s+/).filter(Boolean)])].join(" ");
  return {
    id: "oidc",
    name: env.PORTICO_AGENCY_OIDC_NAME,
    issuer,
    clientId,
    clientSecret,
    scopes,
    roleClaim: env.PORTICO_AGENCY_OIDC_ROLE_CLAIM ?? null,
    roles,
    createUsers: env.PORTICO_AGENCY_OIDC_CREATE_USERS,
  };
}

/** The highest agency role the claim maps to; without a role claim, viewer; null: none maps. */
export function mappedAgencyRole(
  config: Pick<AgencySsoConfig, "roleClaim" | "roles">,
  claims: Record<string, unknown>,
): AgencyRole | null {
  if (!config.roleClaim) return "viewer";
  const raw = claims[config.roleClaim];
  let best = -1;
  for (const value of Array.isArray(raw) ? raw : [raw]) {
    const role = typeof value === "string" || typeof value === "number" ? config.roles[String(value)] : undefined;
    if (role) best = Math.max(best, AGENCY_ROLES.indexOf(role));
  }
  return best >= 0 ? (AGENCY_ROLES[best] as AgencyRole) : null;
}

export type AgencySsoRefusal =
  "email-missing" | "email-unverified" | "unknown" | "deactivated" | "linked-elsewhere" | "no-role" | "pending";

/** What creating an agency user takes: queued for the worker, answered once it is done (or not in time). */
export type CreateAgencyUser = (input: {
  email: string;
  name: string;
  role: AgencyRole;
  issuer: string;
  subject: string;
}) => Promise<"created" | "pending">;

const email = emailAddress();

/** Who a verified sign-in at the agency's provider is, as next-auth's user, or a refusal. */
export async function agencySsoUser(
  control: ControlDb,
  config: AgencySsoConfig,
  verified: VerifiedOidcSignIn,
  create: CreateAgencyUser,
): Promise<User | { refused: AgencySsoRefusal }> {
  const role = mappedAgencyRole(config, verified.claims);
  if (!role) return { refused: "no-role" };
  const now = new Date();
  const session = (u: { id: string; email: string; name: string; role: string; sessionVersion: number }): User => ({
    id: u.id,
    email: u.email,
    name: u.name,
    role: u.role,
    sv: u.sessionVersion,
  });
  const link = await control.agencySsoIdentity.findUnique({
    where: { issuer_subject: { issuer: verified.issuer, subject: verified.subject } },
    select: { id: true, user: true },
  });
  if (link) {
    if (!link.user.active) return { refused: "deactivated" };
    await control.agencySsoIdentity.update({ where: { id: link.id }, data: { lastSignInAt: now } });
    await control.agencyUser.update({ where: { id: link.user.id }, data: { lastSignInAt: now } });
    return session(link.user);
  }
  const address = email.safeParse(verified.claims.email);
  if (!address.success) return { refused: "email-missing" };
  if (!isVerified(verified.claims.email_verified)) return { refused: "email-unverified" };
  const existing = await control.agencyUser.findUnique({ where: { email: address.data } });
  if (!existing) {
    if (!config.createUsers) return { refused: "unknown" };
    const name = (typeof verified.claims.name === "string" && verified.claims.name.trim()) || address.data;
    const outcome = await create({
      email: address.data,
      name: name.slice(0, 120),
      role,
      issuer: verified.issuer,
      subject: verified.subject,
    });
    if (outcome === "pending") return { refused: "pending" };
    return agencySsoUser(control, config, verified, async () => "pending");
  }
  if (!existing.active) return { refused: "deactivated" };
  const other = await control.agencySsoIdentity.findFirst({
    where: { agencyUserId: existing.id, issuer: verified.issuer },
    select: { id: true },
  });
  if (other) return { refused: "linked-elsewhere" };
  await control.agencySsoIdentity.create({
    data: { agencyUserId: existing.id, issuer: verified.issuer, subject: verified.subject, lastSignInAt: now },
  });
  await control.agencyUser.update({ where: { id: existing.id }, data: { lastSignInAt: now } });
  return session(existing);
}

/**
 * Run by the operations worker for a sign-in that may create users: the configuration is checked
 * again on the worker's side, and the user and the identity link are created together.
 */
export async function createAgencyUserFromSso(
  control: ControlDb,
  config: AgencySsoConfig | null,
  input: { email: string; name: string; role: AgencyRole; issuer: string; subject: string },
): Promise<{ userId: string }> {
  if (!config?.createUsers || config.issuer !== input.issuer)
    throw new Error("agency single sign-on does not create users here (PORTICO_AGENCY_OIDC_CREATE_USERS)");
  return control.$transaction(async (tx) => {
    const existing = await tx.agencyUser.findUnique({ where: { email: input.email }, select: { id: true } });
    const userId =
      existing?.id ??
      (
        await tx.agencyUser.create({
          data: { email: input.email, name: input.name, role: input.role },
          select: { id: true },
        })
      ).id;
    await tx.agencySsoIdentity.upsert({
      where: { issuer_subject: { issuer: input.issuer, subject: input.subject } },
      create: { agencyUserId: userId, issuer: input.issuer, subject: input.subject },
      update: {},
    });
    return { userId };
  });
}
