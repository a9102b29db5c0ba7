import "server-only";
import type { AuthOptions, User } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { requestOrigin } from "../audit/request.server.ts";
import { recordTrailQuietly } from "../platform/record-trail.server.ts";
import { requireRuntime } from "../config/env.server.ts";
import { platform } from "../platform/platform.server.ts";
import { withTenantDb } from "../platform/with-tenant-db.server.ts";
import type { ResolvedTenant } from "../tenancy/resolver.ts";
import { deriveSessionSecret } from "./credentials.server.ts";
import { SESSION_MINUTES, consumeImpersonation } from "./impersonation.server.ts";
import { passwordProvider, realmAuthOptions } from "./options.server.ts";
import { consumeSamlTicket } from "./saml-sign-in.server.ts";
import { asSessionUser, authenticateTenantPassword } from "./tenant-password.server.ts";
import { consumeTenantSignInLink } from "./tenant-sign-in-link.server.ts";
import { isSessionId, sessionMethod } from "./session-rules.ts";
import { endTenantSession, openTenantSession } from "./user-sessions.server.ts";
import { OIDC, loadOidcConnection, recordOidcTest, type OidcConnection } from "./sso-connection.server.ts";
import { mappedRole, ssoMember } from "./sso-members.server.ts";
import { REFUSED_ID, oidcProvider, type VerifiedOidcSignIn } from "./sso-oidc.server.ts";
import { log } from "../observability/logger.ts";

/** The hand-off link's click: claims the grant once and signs in as its target admin. */
async function signInByImpersonation(tenant: ResolvedTenant, token: unknown): Promise<User | null> {
  const { control, env } = platform();
  const claimed = await consumeImpersonation(
    { control, secretKey: requireRuntime(env).secretKey },
    tenant.id,
    token,
    await requestOrigin(),
  );
  if ("refused" in claimed) return null;
  const user = await withTenantDb(tenant.id, (db) => db.user.findUnique({ where: { id: claimed.targetUserId } }));
  if (!user?.active) return null;
  return { ...asSessionUser(user), imp: claimed.grantId };
}

/** A link or ticket that signs no one in is a failed sign-in in the tenant's trail (decision 048). */
async function refusedIsRecorded(tenant: ResolvedTenant, method: string, user: User | null): Promise<User | null> {
  if (!user)
    await recordTrailQuietly(tenant.id, {
      actor: { type: "anonymous", label: "anonymous" },
      action: "auth.sign-in-failed",
      details: { method, why: "invalid or used" },
    });
  return user;
}

/**
 * The options every page's guard reads the session with: no providers are needed for that, so
 * nothing here queries anything (the SSO connection is loaded by the auth route alone, below).
 */
export function tenantAuthOptions(tenant: ResolvedTenant, origin: string): AuthOptions {
  const { env } = platform();
  return realmAuthOptions({
    realm: "tenant",
    tenantId: tenant.id,
    secret: deriveSessionSecret(requireRuntime(env).secretKey, `tenant:${tenant.id}`),
    origin,
    cookiePrefix: "portico",
    maxAgeSeconds: 8 * 3600,
    // The impersonation session's row ends with its grant's 30 minutes; others last the cookie's 8 hours.
    openSession: async (user, method) => {
      const id = await openTenantSession(
        tenant.id,
        user.id,
        user.imp ? "impersonation" : sessionMethod(method),
        await requestOrigin(),
        user.imp ? new Date(Date.now() + SESSION_MINUTES * 60_000) : undefined,
      );
      // The tenant's trail (decision 048); an impersonation was recorded when it was issued.
      if (!user.imp && user.email)
        await recordTrailQuietly(tenant.id, {
          actor: { type: "member", personEmail: user.email, personName: user.name ?? null, label: "member" },
          action: "auth.sign-in",
          details: { method: sessionMethod(method) },
        });
      return id;
    },
    closeSession: async (token) => {
      if (token.tid === tenant.id && token.uid && isSessionId(token.sid))
        await endTenantSession(tenant.id, token.uid, token.sid);
    },
    providers: [
      passwordProvider((email, password) => authenticateTenantPassword(tenant, email, password)),
      Credentials({
        id: "email-link",
        name: "Email link",
        credentials: { token: { type: "text" } },
        authorize: async (c) =>
          refusedIsRecorded(tenant, "email-link", await consumeTenantSignInLink(tenant, c?.token)),
      }),
      Credentials({
        // The single-use ticket the SAML ACS route stores once the IdP's answer checked out.
        id: "saml",
        name: "SAML single sign-on",
        credentials: { token: { type: "text" } },
        authorize: async (c) => refusedIsRecorded(tenant, "saml", await consumeSamlTicket(tenant, c?.token)),
      }),
      Credentials({
        id: "impersonation",
        name: "Agency impersonation",
        credentials: { token: { type: "text" } },
        authorize: (c) => signInByImpersonation(tenant, c?.token),
      }),
    ],
  });
}

/**
 * The auth route's requests that need the SSO provider: starting its sign-in, its callback, and
 * the provider list next-auth's client reads before any sign-in. Session reads, CSRF, sign-out and
 * the password and email-link sign-ins never load it.
 */
export function needsSsoProvider(segments: readonly string[]): boolean {
  if (segments[0] === "providers") return true;
  return (segments[0] === "signin" || segments[0] === "callback") && segments[1] === OIDC;
}

/**
 * The auth route's options (docs/decisions/042): the guard's, plus — only for an SSO sign-in or
 * its callback — the tenant's OIDC provider built from its own connection, one indexed read of
 * the tenant's database. The provider is offered when the connection is enabled, or to the admin
 * running a test sign-in (`testBy`: their id, checked by the caller). A test sign-in verifies
 * everything, creates no one, keeps the admin's session and records its success.
 */
export async function tenantAuthRouteOptions(
  tenant: ResolvedTenant,
  origin: string,
  segments: readonly string[],
  testBy: () => Promise<string | null>,
): Promise<AuthOptions & { ssoTest: boolean }> {
  const options = tenantAuthOptions(tenant, origin);
  if (!needsSsoProvider(segments)) return { ...options, ssoTest: false };
  let connection: OidcConnection | null = null;
  try {
    connection = await loadOidcConnection(tenant.id, platform().keyring);
  } catch (error) {
    // A connection this instance cannot read leaves SSO unavailable, never the portal.
    log().error({ err: error }, `[auth] tenant ${tenant.slug}: its SSO connection cannot be read`);
  }
  const tester = connection ? await testBy() : null;
  if (!connection || (!connection.enabled && !tester)) return { ...options, ssoTest: false };
  const conn = connection;
  const provider = oidcProvider(
    {
      id: OIDC,
      name: conn.displayName,
      issuer: conn.issuer,
      clientId: conn.clientId,
      clientSecret: conn.clientSecret,
      scopes: conn.scopes,
    },
    (verified) => tenantSsoUser(tenant, conn, verified, tester !== null),
  );
  options.providers = [...options.providers, provider];
  options.callbacks = {
    ...options.callbacks,
    signIn({ user }) {
      // A refusal or a test lands on a page of this host that says what happened; no session.
      if (user.ssoTest) return `${origin}/manage/settings?ssoTest=${encodeURIComponent(user.ssoTest)}#sso`;
      if (user.ssoRefusal) return `${origin}/sign-in?sso=${encodeURIComponent(user.ssoRefusal)}`;
      return user.id !== REFUSED_ID;
    },
  };
  return { ...options, ssoTest: tester !== null };
}

/** Who a verified OIDC sign-in is in this tenant, as next-auth's user (or a refusal, or a test result). */
async function tenantSsoUser(
  tenant: ResolvedTenant,
  connection: OidcConnection,
  verified: VerifiedOidcSignIn,
  test: boolean,
): Promise<User> {
  const refused = (code: string): User =>
    test ? { id: REFUSED_ID, ssoTest: code } : { id: REFUSED_ID, ssoRefusal: code };
  try {
    const role = mappedRole(connection, verified.claims);
    const member = await ssoMember(
      tenant.id,
      {
        issuer: verified.issuer,
        subject: verified.subject,
        email: verified.claims.email,
        emailVerified: verified.claims.email_verified,
        name: verified.claims.name,
      },
      role,
      { dryRun: test },
    );
    if ("refused" in member) {
      if (!test)
        await recordTrailQuietly(tenant.id, {
          actor: { type: "anonymous", label: "anonymous" },
          action: "auth.sign-in-failed",
          details: { method: "oidc", why: member.refused },
        });
      return refused(member.refused);
    }
    if (test) {
      await recordOidcTest(tenant.id, { issuer: connection.issuer, clientId: connection.clientId });
      return { id: REFUSED_ID, ssoTest: `ok:${member.role}` };
    }
    return asSessionUser(member);
  } catch (error) {
    log().error({ err: error }, `[auth] tenant ${tenant.slug}: single sign-on failed`);
    return refused("unavailable");
  }
}
