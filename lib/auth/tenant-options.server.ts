import "server-only";
import type { AuthOptions, User } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { requestOrigin } from "../audit/request.server.ts";
import { requireRuntime } from "../config/env.server.ts";
import { platform } from "../platform/platform.server.ts";
import { withTenantDb } from "../platform/with-tenant-db.server.ts";
import type { ResolvedTenant } from "../tenancy/resolver.ts";
import { deriveSessionSecret } from "./credentials.server.ts";
import { consumeImpersonation } from "./impersonation.server.ts";
import { passwordProvider, realmAuthOptions } from "./options.server.ts";
import { consumeSamlTicket } from "./saml-sign-in.server.ts";
import { asSessionUser, authenticateTenantPassword } from "./tenant-password.server.ts";
import { consumeTenantSignInLink } from "./tenant-sign-in-link.server.ts";

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

export function tenantAuthOptions(tenant: ResolvedTenant, origin: string): AuthOptions {
  const { env } = platform();
  return realmAuthOptions({
    realm: "tenant",
    tenantId: tenant.id,
    secret: deriveSessionSecret(requireRuntime(env).secretKey, `tenant:${tenant.id}`),
    origin,
    cookiePrefix: "portico",
    maxAgeSeconds: 8 * 3600,
    providers: [
      passwordProvider((email, password) => authenticateTenantPassword(tenant, email, password)),
      Credentials({
        id: "email-link",
        name: "Email link",
        credentials: { token: { type: "text" } },
        authorize: (c) => consumeTenantSignInLink(tenant, c?.token),
      }),
      Credentials({
        // The single-use ticket the SAML ACS route stores once the IdP's answer checked out.
        id: "saml",
        name: "SAML single sign-on",
        credentials: { token: { type: "text" } },
        authorize: (c) => consumeSamlTicket(tenant, c?.token),
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
