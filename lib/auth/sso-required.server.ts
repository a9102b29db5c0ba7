import "server-only";
import { z } from "zod";
import { appendAudit } from "../audit/log.server.ts";
import type { TenantDb } from "../db/tenant-db.server.ts";
import { platform } from "../platform/platform.server.ts";
import { withTenantDb } from "../platform/with-tenant-db.server.ts";
import type { ResolvedTenant } from "../tenancy/resolver.ts";
import { InvalidInput } from "../util/errors.ts";
import { verifiedDomainFor } from "./email-domains.server.ts";
import { OIDC } from "./sso-connection.server.ts";
import { assertTenantRole, type TenantUser } from "./verified.ts";

export { SSO_REQUIRED_PREFIX, isSsoRequiredMessage, ssoRequiredMessage } from "./sso-required-message.ts";

/**
 * "SSO required for verified domains" (docs/decisions/047). While the policy is in force, an
 * address at one of the tenant's verified email domains signs in through the tenant's single
 * sign-on only: password, email link, password reset and invitation hand-offs are refused, on
 * the server, by the functions that make those sessions. One owner, the break-glass account,
 * keeps password sign-in (and its reset), so the portal can never be locked out.
 *
 * The policy is in force only while all three hold: it is switched on, an SSO connection (OIDC
 * or SAML) is enabled and has passed a test sign-in, and the break-glass account is still an
 * active owner. When any of them stops holding (the connection is switched off, deleted or
 * changed so it needs a new test; the owner is demoted or deactivated), the policy rests and
 * everyone signs in as before, until it holds again. Domains added but not verified never count.
 */

export class SsoRequiredRefused extends InvalidInput {}

/** The single sign-on a policy can rest on: enabled and tested with its current settings. */
export interface QualifyingConnection {
  kind: "oidc" | "saml";
  /** The sign-in button's name, e.g. "Acme Login". */
  name: string;
}

/** What the sign-in functions are told about an address under the policy. */
export interface SsoRequirement {
  provider: string;
  breakGlassUserId: string;
}

/** The tenant's enabled, tested connection, OIDC first. */
export async function qualifyingConnection(db: TenantDb): Promise<QualifyingConnection | null> {
  const [oidc, saml] = await Promise.all([
    db.ssoConnection.findUnique({
      where: { kind: OIDC },
      select: { displayName: true, enabled: true, testedAt: true },
    }),
    db.samlConfig.findUnique({ where: { id: 1 }, select: { displayName: true, enabled: true, testedAt: true } }),
  ]);
  if (oidc?.enabled && oidc.testedAt) return { kind: "oidc", name: oidc.displayName };
  if (saml?.enabled && saml.testedAt) return { kind: "saml", name: saml.displayName };
  return null;
}

export interface SsoPolicyState {
  /** The stored switch. */
  on: boolean;
  connection: QualifyingConnection | null;
  /** The designated break-glass account while it is an active owner; else null. */
  breakGlass: { id: string; email: string; name: string } | null;
  /** The id stored, even when it no longer names an active owner. */
  breakGlassUserId: string | null;
  /** In force: on, a qualifying connection and an active break-glass owner. */
  inForce: boolean;
}

export async function ssoPolicyState(db: TenantDb): Promise<SsoPolicyState> {
  const settings = await db.portalSettings.findUnique({
    where: { id: 1 },
    select: { ssoRequired: true, ssoBreakGlassUserId: true },
  });
  const on = settings?.ssoRequired ?? false;
  const breakGlassUserId = settings?.ssoBreakGlassUserId ?? null;
  const [connection, owner] = await Promise.all([
    qualifyingConnection(db),
    breakGlassUserId
      ? db.user.findFirst({
          where: { id: breakGlassUserId, role: "owner", active: true },
          select: { id: true, email: true, name: true },
        })
      : null,
  ]);
  return { on, connection, breakGlass: owner, breakGlassUserId, inForce: on && !!connection && !!owner };
}

/**
 * Whether this address must sign in through SSO here, decided from the address's domain alone
 * (never from whether an account exists): null when the policy is not in force or the domain is
 * not verified. The caller exempts the break-glass account by its id, for password sign-in and
 * its reset only.
 */
export async function ssoRequirementFor(db: TenantDb, email: string): Promise<SsoRequirement | null> {
  const settings = await db.portalSettings.findUnique({
    where: { id: 1 },
    select: { ssoRequired: true },
  });
  // The common case costs one indexed read.
  if (!settings?.ssoRequired) return null;
  if (!(await verifiedDomainFor(db, email))) return null;
  const state = await ssoPolicyState(db);
  if (!state.inForce || !state.connection || !state.breakGlass) return null;
  return { provider: state.connection.name, breakGlassUserId: state.breakGlass.id };
}

/** ssoRequirementFor on this tenant's database. */
export function tenantSsoRequirement(tenantId: string, email: string): Promise<SsoRequirement | null> {
  return withTenantDb(tenantId, (db) => ssoRequirementFor(db, email));
}

export interface SsoPolicyView extends SsoPolicyState {
  /** The portal's active owners, the choices for the break-glass account, with whether each has a password. */
  owners: Array<{ id: string; email: string; name: string; hasPassword: boolean }>;
  verifiedDomains: string[];
}

/** The policy as the owners see it on /manage/domains; anyone else: 403. */
export async function tenantSsoPolicy(tenant: Pick<ResolvedTenant, "id">, viewer: TenantUser): Promise<SsoPolicyView> {
  assertTenantRole(viewer, tenant, "owner");
  return withTenantDb(tenant.id, async (db) => {
    const [state, owners, domains] = await Promise.all([
      ssoPolicyState(db),
      db.user.findMany({
        where: { role: "owner", active: true },
        select: { id: true, email: true, name: true, passwordHash: true },
        orderBy: { email: "asc" },
      }),
      db.emailDomain.findMany({
        where: { verifiedAt: { not: null } },
        select: { domain: true },
        orderBy: { domain: "asc" },
      }),
    ]);
    return {
      ...state,
      owners: owners.map((o) => ({ id: o.id, email: o.email, name: o.name, hasPassword: Boolean(o.passwordHash) })),
      verifiedDomains: domains.map((d) => d.domain),
    };
  });
}

const policyInput = z.object({
  on: z.boolean(),
  breakGlassUserId: z.string().uuid("Choose the owner who keeps password sign-in.").nullable(),
});

export interface RequestOrigin {
  ip: string | null;
  userAgent: string | null;
}

/**
 * An owner switches the policy on or off (audited either way). On needs every condition at once,
 * each refusal saying what to do: a verified domain, an SSO connection that is enabled and has
 * passed a test sign-in, and a break-glass owner with a password. Off always succeeds.
 */
export async function setSsoRequired(
  tenant: Pick<ResolvedTenant, "id">,
  viewer: TenantUser,
  raw: { on: unknown; breakGlassUserId: unknown },
  from: RequestOrigin,
): Promise<SsoPolicyState> {
  assertTenantRole(viewer, tenant, "owner");
  const parsed = policyInput.safeParse({
    on: raw.on === true || raw.on === "on" || raw.on === "true",
    breakGlassUserId: typeof raw.breakGlassUserId === "string" && raw.breakGlassUserId ? raw.breakGlassUserId : null,
  });
  if (!parsed.success) throw new SsoRequiredRefused(parsed.error.issues[0]?.message ?? "Check the form.");
  const { on, breakGlassUserId } = parsed.data;
  const state = await withTenantDb(tenant.id, async (db) => {
    if (on) {
      if ((await db.emailDomain.count({ where: { verifiedAt: { not: null } } })) === 0)
        throw new SsoRequiredRefused(
          "Verify at least one email domain first: the policy applies to addresses at your verified domains only.",
        );
      if (!(await qualifyingConnection(db)))
        throw new SsoRequiredRefused(
          "Set up single sign-on in Settings, run a successful test sign-in and turn it on for members first: the policy needs a connection that is known to work.",
        );
      if (!breakGlassUserId)
        throw new SsoRequiredRefused(
          "Choose a break-glass owner: the owner who keeps password sign-in in case your identity provider fails.",
        );
      const owner = await db.user.findFirst({
        where: { id: breakGlassUserId, role: "owner", active: true },
        select: { passwordHash: true, email: true },
      });
      if (!owner) throw new SsoRequiredRefused("The break-glass account must be an active owner of this portal.");
      if (!owner.passwordHash)
        throw new SsoRequiredRefused(
          `${owner.email} has no password yet. They set one with “Forgot password?” on the sign-in page; then choose them again.`,
        );
    }
    const data = on ? { ssoRequired: true, ssoBreakGlassUserId: breakGlassUserId } : { ssoRequired: false };
    await db.portalSettings.upsert({ where: { id: 1 }, create: { id: 1, ...data }, update: data });
    return ssoPolicyState(db);
  });
  await appendAudit(platform().control, {
    actor: { type: "tenant-user", id: viewer.id, label: viewer.email },
    action: on ? "sso-required.on" : "sso-required.off",
    tenantId: tenant.id,
    ...from,
    details: on
      ? { breakGlass: state.breakGlass?.email ?? null, connection: state.connection?.kind ?? null }
      : { breakGlass: null },
  });
  return state;
}
