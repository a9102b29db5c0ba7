import "server-only";
import type { User } from "next-auth";
import { withTenantDb } from "../platform/with-tenant-db.server.ts";
import type { ResolvedTenant } from "../tenancy/resolver.ts";
import { generateToken, hashToken } from "./credentials.server.ts";
import { safeReturnTo } from "./redirect.ts";
import { samlConnectionSchema, type SamlConnection, type SamlConnectionInput } from "./saml-connection.server.ts";
import { tenantSamlReplayStore } from "./saml-store.server.ts";
import {
  samlLoginUrl,
  samlServiceProviderMetadata,
  tenantSamlServiceProvider,
  verifySamlResponse,
  type SamlRefusalCode,
} from "./saml.server.ts";
import { asSessionUser } from "./tenant-password.server.ts";

/**
 * SAML sign-in on a tenant's host (docs/decisions/043): its saved IdP, the start of a sign-in,
 * the answer at the ACS URL turned into a member (just in time) and a single-use ticket, and the
 * ticket consumed by next-auth's "saml" credentials provider, which makes the session as for
 * every other sign-in.
 */

/** How long the ticket between the ACS answer and next-auth's sign-in is good for. */
export const SAML_TICKET_MINUTES = 2;
const TICKET_PURPOSE = "saml";

export type SavedSamlConnection = SamlConnection & { enabled: boolean };

/** The tenant's saved IdP, or null when it has none. */
export async function loadSamlConnection(tenant: Pick<ResolvedTenant, "id">): Promise<SavedSamlConnection | null> {
  const row = await withTenantDb(tenant.id, (db) => db.samlConfig.findUnique({ where: { id: 1 } }));
  if (!row) return null;
  return {
    enabled: row.enabled,
    idpEntityId: row.idpEntityId,
    idpSsoUrl: row.idpSsoUrl,
    idpCertificate: row.idpCertificate,
    emailAttribute: row.emailAttribute,
    nameAttribute: row.nameAttribute,
    groupsAttribute: row.groupsAttribute,
    roleMapping: samlConnectionSchema.shape.roleMapping.catch([]).parse(row.roleMapping),
  };
}

export type SaveSamlResult = { ok: true } | { ok: false; errors: Array<{ field: string; message: string }> };

/**
 * Saves the tenant's IdP after the checks of `samlConnectionSchema` (an expired or unreadable
 * certificate, an http:// IdP off this machine are refused with what to do). The caller checks
 * that the person is the tenant's owner. A new connection starts disabled: the owner tries a
 * sign-in first, then enables it.
 */
export async function saveSamlConnection(
  tenant: Pick<ResolvedTenant, "id">,
  input: SamlConnectionInput,
  enabled = false,
): Promise<SaveSamlResult> {
  const parsed = samlConnectionSchema.safeParse(input);
  if (!parsed.success) {
    return {
      ok: false,
      errors: parsed.error.issues.map((issue) => ({ field: issue.path.join("."), message: issue.message })),
    };
  }
  const data = { ...parsed.data, enabled };
  await withTenantDb(tenant.id, (db) =>
    db.samlConfig.upsert({ where: { id: 1 }, create: { id: 1, ...data }, update: data }),
  );
  return { ok: true };
}

/** The SP metadata for the tenant's IdP administrator; null without a saved connection. */
export async function tenantSamlMetadata(tenant: ResolvedTenant): Promise<string | null> {
  const connection = await loadSamlConnection(tenant);
  return connection ? samlServiceProviderMetadata(connection, tenantSamlServiceProvider(tenant.primaryHost)) : null;
}

/**
 * Where to send the browser to sign in with the tenant's IdP. `test` starts one with a saved but
 * not yet enabled connection (the owner's test sign-in). RelayState carries only a checked
 * same-host return path; it comes back unsigned and is checked again at the ACS URL.
 */
export async function startSamlSignIn(
  tenant: ResolvedTenant,
  rawReturnTo: unknown,
  options: { test?: boolean } = {},
): Promise<string | null> {
  const connection = await loadSamlConnection(tenant);
  if (!connection || (!connection.enabled && !options.test)) return null;
  const returnTo = safeReturnTo(rawReturnTo) ?? "";
  return samlLoginUrl(
    connection,
    tenantSamlServiceProvider(tenant.primaryHost),
    tenantSamlReplayStore(tenant.id),
    returnTo,
  );
}

export type SamlCompletion =
  | { ok: true; ticket: string; returnTo: string; created: boolean; userId: string }
  | { ok: false; code: SamlRefusalCode | "not-configured" | "inactive"; reason: string; detail?: string };

/**
 * The IdP's answer at the ACS URL: checked (signature, audience, recipient, time window, replay),
 * then the member is found by email or created with the role their groups map to — an existing
 * member keeps the role given in the portal (never raised or lowered by the IdP, never an owner
 * made or unmade) — and a single-use ticket is stored for next-auth's "saml" provider.
 */
export async function completeSamlSignIn(
  tenant: ResolvedTenant,
  samlResponse: unknown,
  relayState: unknown,
): Promise<SamlCompletion> {
  const connection = await loadSamlConnection(tenant);
  if (!connection) {
    return {
      ok: false,
      code: "not-configured",
      reason: "This portal has no SAML sign-in. Sign in with your email instead.",
    };
  }
  const verified = await verifySamlResponse(
    connection,
    tenantSamlServiceProvider(tenant.primaryHost),
    samlResponse,
    tenantSamlReplayStore(tenant.id),
    relayState,
  );
  if (!verified.ok) return verified;
  const ticket = generateToken();
  return withTenantDb(tenant.id, (db) =>
    db.$transaction(async (tx) => {
      const existing = await tx.user.findUnique({ where: { email: verified.email } });
      if (existing && !existing.active) {
        return {
          ok: false as const,
          code: "inactive" as const,
          reason: "Your account on this portal is deactivated. Ask the portal's team to reactivate it.",
        };
      }
      const user =
        existing ??
        (await tx.user.create({
          data: { email: verified.email, name: verified.name ?? verified.email.split("@")[0]!, role: verified.role },
        }));
      const returnTo = safeReturnTo(verified.relayState) ?? (user.role === "member" ? "/account" : "/manage");
      await tx.loginToken.create({
        data: {
          tokenHash: hashToken(ticket),
          email: user.email,
          purpose: TICKET_PURPOSE,
          returnTo,
          expiresAt: new Date(Date.now() + SAML_TICKET_MINUTES * 60_000),
        },
      });
      return { ok: true as const, ticket, returnTo, created: !existing, userId: user.id };
    }),
  );
}

/** next-auth's "saml" provider: the ticket is claimed exactly once, unexpired, for an active member. */
export async function consumeSamlTicket(tenant: Pick<ResolvedTenant, "id">, ticket: unknown): Promise<User | null> {
  if (typeof ticket !== "string" || !/^[A-Za-z0-9_-]{43}$/.test(ticket)) return null;
  const tokenHash = hashToken(ticket);
  return withTenantDb(tenant.id, async (db) => {
    const claimed = await db.loginToken.updateMany({
      where: { tokenHash, purpose: TICKET_PURPOSE, usedAt: null, expiresAt: { gt: new Date() } },
      data: { usedAt: new Date() },
    });
    if (claimed.count !== 1) return null;
    const row = await db.loginToken.findUniqueOrThrow({ where: { tokenHash }, select: { email: true } });
    const user = await db.user.findUnique({ where: { email: row.email } });
    if (!user?.active) return null;
    await db.user.update({ where: { id: user.id }, data: { lastSignInAt: new Date() } });
    return asSessionUser(user);
  });
}

/** Where a ticket lands once consumed, read without consuming it. */
export async function samlTicketReturnTo(tenant: Pick<ResolvedTenant, "id">, ticket: unknown): Promise<string | null> {
  if (typeof ticket !== "string" || !/^[A-Za-z0-9_-]{43}$/.test(ticket)) return null;
  const row = await withTenantDb(tenant.id, (db) =>
    db.loginToken.findFirst({
      where: { tokenHash: hashToken(ticket), purpose: TICKET_PURPOSE, usedAt: null, expiresAt: { gt: new Date() } },
      select: { returnTo: true },
    }),
  );
  return row ? (safeReturnTo(row.returnTo) ?? "/account") : null;
}
