import "server-only";
import type { User } from "next-auth";
import { withTenantDb } from "../platform/with-tenant-db.server.ts";
import type { ResolvedTenant } from "../tenancy/resolver.ts";
import { generateToken, hashToken } from "./credentials.server.ts";
import { safeReturnTo } from "./redirect.ts";
import { InvalidInput } from "../util/errors.ts";
import {
  samlConnectionSchema,
  type SamlConnection,
  type SamlConnectionInput,
  type SamlRole,
} from "./saml-connection.server.ts";
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

/** The test sign-in's RelayState: its answer is checked in full but signs no one in. */
export const SAML_TEST_RELAY = "portico:test";
const TEST_TICKET_PURPOSE = "saml-test";

export type SavedSamlConnection = SamlConnection & {
  enabled: boolean;
  /** When an admin's test sign-in last succeeded with this IdP; null since its last change. */
  testedAt: Date | null;
  updatedAt: Date;
  updatedBy: string;
};

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
    displayName: row.displayName,
    defaultRole: samlConnectionSchema.shape.defaultRole.catch("member").parse(row.defaultRole),
    testedAt: row.testedAt,
    updatedAt: row.updatedAt,
    updatedBy: row.updatedBy,
  };
}

export type SaveSamlResult =
  { ok: true; needsTest: boolean } | { ok: false; errors: Array<{ field: string; message: string }> };

/** What a test sign-in vouches for: the IdP (entity id, sign-in URL, certificate), nothing else. */
function idpDigest(connection: Pick<SamlConnection, "idpEntityId" | "idpSsoUrl" | "idpCertificate">): string {
  // The certificate without its line breaks: the same certificate pasted again is no change.
  const certificate = connection.idpCertificate.replace(/\s+/g, "");
  return hashToken(JSON.stringify([connection.idpEntityId, connection.idpSsoUrl, certificate]));
}

/**
 * Saves the tenant's IdP after the checks of `samlConnectionSchema` (an expired or unreadable
 * certificate, an http:// IdP off this machine are refused with what to do, and nothing stored
 * changes). The caller checks who may. A new connection, or a change of its IdP (entity id,
 * sign-in URL, certificate), leaves it off until an admin's test sign-in succeeds with it;
 * names, attributes and roles change without a new test.
 */
export async function saveSamlConnection(
  tenant: Pick<ResolvedTenant, "id">,
  input: SamlConnectionInput,
  options: { by?: string } = {},
): Promise<SaveSamlResult> {
  const parsed = samlConnectionSchema.safeParse(input);
  if (!parsed.success) {
    return {
      ok: false,
      errors: parsed.error.issues.map((issue) => ({ field: issue.path.join("."), message: issue.message })),
    };
  }
  const existing = await withTenantDb(tenant.id, (db) => db.samlConfig.findUnique({ where: { id: 1 } }));
  const needsTest = !existing || idpDigest(existing) !== idpDigest(parsed.data);
  const data = {
    ...parsed.data,
    updatedBy: (options.by ?? "").slice(0, 254),
    ...(needsTest ? { enabled: false, testedAt: null } : {}),
  };
  await withTenantDb(tenant.id, (db) =>
    db.samlConfig.upsert({ where: { id: 1 }, create: { id: 1, ...data }, update: data }),
  );
  return { ok: true, needsTest };
}

/** Members may use the connection only after a successful test sign-in with its current IdP. */
export async function setSamlEnabled(tenant: Pick<ResolvedTenant, "id">, enabled: boolean, by: string): Promise<void> {
  const row = await withTenantDb(tenant.id, (db) =>
    db.samlConfig.findUnique({ where: { id: 1 }, select: { testedAt: true } }),
  );
  if (!row) throw new InvalidInput("Save a SAML connection first.");
  if (enabled && !row.testedAt)
    throw new InvalidInput("Run a successful test sign-in before turning SAML sign-in on for members.");
  await withTenantDb(tenant.id, (db) =>
    db.samlConfig.update({ where: { id: 1 }, data: { enabled, updatedBy: by.slice(0, 254) } }),
  );
}

export async function deleteSamlConnection(tenant: Pick<ResolvedTenant, "id">): Promise<void> {
  await withTenantDb(tenant.id, (db) => db.samlConfig.deleteMany({ where: { id: 1 } }));
}

/** What the sign-in page offers: the button's name while the connection is on, else null. */
export async function samlSignInOffer(tenantId: string): Promise<{ name: string } | null> {
  const row = await withTenantDb(tenantId, (db) =>
    db.samlConfig.findUnique({ where: { id: 1 }, select: { displayName: true, enabled: true } }),
  );
  return row?.enabled ? { name: row.displayName } : null;
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
  const relayState = options.test ? SAML_TEST_RELAY : (safeReturnTo(rawReturnTo) ?? "");
  return samlLoginUrl(
    connection,
    tenantSamlServiceProvider(tenant.primaryHost),
    tenantSamlReplayStore(tenant.id),
    relayState,
  );
}

export type SamlCompletion =
  | { ok: true; test?: false; ticket: string; returnTo: string; created: boolean; userId: string }
  /** A test sign-in's answer held: nothing is created; the ticket records the test for the admin. */
  | { ok: true; test: true; ticket: string; role: SamlRole }
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
  const test = relayState === SAML_TEST_RELAY;
  if (!connection || (!connection.enabled && !test)) {
    return {
      ok: false,
      code: "not-configured",
      reason: "This portal has no SAML sign-in. Sign in with your email instead.",
      detail: connection ? "the connection is off" : "no connection saved",
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
  if (test) {
    // Checked in full, but nobody is created or signed in: the ticket carries what was tested.
    await withTenantDb(tenant.id, (db) =>
      db.loginToken.create({
        data: {
          tokenHash: hashToken(ticket),
          email: verified.email,
          purpose: TEST_TICKET_PURPOSE,
          returnTo: `${idpDigest(connection)} ${verified.role}`,
          expiresAt: new Date(Date.now() + SAML_TICKET_MINUTES * 60_000),
        },
      }),
    );
    return { ok: true, test: true, ticket, role: verified.role };
  }
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

/**
 * The end of an admin's test sign-in (the caller checked the admin's test marker): the ticket is
 * used up, and the test is recorded only if the connection still has the IdP the answer was
 * checked against (a save in between asks for a new test).
 */
export async function finishSamlTest(
  tenant: Pick<ResolvedTenant, "id">,
  ticket: unknown,
): Promise<{ ok: true; role: SamlRole } | { ok: false }> {
  if (typeof ticket !== "string" || !/^[A-Za-z0-9_-]{43}$/.test(ticket)) return { ok: false };
  const tokenHash = hashToken(ticket);
  return withTenantDb(tenant.id, async (db) => {
    const claimed = await db.loginToken.updateMany({
      where: { tokenHash, purpose: TEST_TICKET_PURPOSE, usedAt: null, expiresAt: { gt: new Date() } },
      data: { usedAt: new Date() },
    });
    if (claimed.count !== 1) return { ok: false as const };
    const row = await db.loginToken.findUniqueOrThrow({ where: { tokenHash }, select: { returnTo: true } });
    const [digest, role] = (row.returnTo ?? "").split(" ");
    const current = await db.samlConfig.findUnique({ where: { id: 1 } });
    const parsedRole = samlConnectionSchema.shape.defaultRole.safeParse(role);
    if (!current || !parsedRole.success || idpDigest(current) !== digest) return { ok: false as const };
    await db.samlConfig.update({ where: { id: 1 }, data: { testedAt: new Date() } });
    return { ok: true as const, role: parsedRole.data };
  });
}
