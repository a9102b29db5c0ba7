import "server-only";
import { createHmac, timingSafeEqual } from "node:crypto";
import { cookies } from "next/headers";
import { requireRuntime } from "../config/env.server.ts";
import { platform } from "../platform/platform.server.ts";
import type { ResolvedTenant } from "../tenancy/resolver.ts";
import { deriveSessionSecret } from "./credentials.server.ts";
import { tenantUser } from "./tenant-guard.server.ts";
import { assertTenantRole, type TenantUser } from "./verified.ts";

/**
 * A test sign-in (docs/decisions/042): an owner or admin runs the real OIDC flow before members
 * may use a connection. The settings action sets a short-lived cookie, signed with a secret of
 * this tenant's own and naming the admin; while it is valid and the same admin is still signed in,
 * the auth route offers the provider even when it is off and treats the sign-in as a test: every
 * check runs, nothing is created, the admin's own session is kept, and a success is recorded.
 */

const MAX_AGE_SECONDS = 10 * 60;

function cookieName(https: boolean): string {
  return `${https ? "__Host-" : ""}portico.sso-test`;
}

function mac(tenantId: string, payload: string): Buffer {
  const secret = deriveSessionSecret(requireRuntime(platform().env).secretKey, `sso-test:${tenantId}`);
  return createHmac("sha256", secret).update(payload).digest();
}

/** Called by the settings action for a verified admin: sets the marker cookie. */
export async function startSsoTest(tenant: ResolvedTenant, admin: TenantUser, origin: string): Promise<void> {
  assertTenantRole(admin, tenant, "admin");
  const payload = Buffer.from(
    JSON.stringify({ tid: tenant.id, uid: admin.id, exp: Math.floor(Date.now() / 1000) + MAX_AGE_SECONDS }),
  ).toString("base64url");
  const https = origin.startsWith("https://");
  (await cookies()).set(cookieName(https), `${payload}.${mac(tenant.id, payload).toString("base64url")}`, {
    httpOnly: true,
    sameSite: "lax",
    secure: https,
    path: "/",
    maxAge: MAX_AGE_SECONDS,
  });
}

/** The admin a valid marker names, if that admin is the one signed in now; else null. */
export async function ssoTestBy(tenant: ResolvedTenant, origin: string): Promise<string | null> {
  const value = (await cookies()).get(cookieName(origin.startsWith("https://")))?.value;
  const [payload, signature] = value?.split(".") ?? [];
  if (!payload || !signature) return null;
  const expected = mac(tenant.id, payload);
  const given = Buffer.from(signature, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  let claims: { tid?: unknown; uid?: unknown; exp?: unknown };
  try {
    claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
  } catch {
    return null;
  }
  if (claims.tid !== tenant.id || typeof claims.exp !== "number" || claims.exp < Date.now() / 1000) return null;
  const admin = await tenantUser(tenant);
  if (!admin || admin.id !== claims.uid || (admin.role !== "admin" && admin.role !== "owner")) return null;
  return admin.id;
}

/** The cookie that ends the marker, set on the test's last response. */
export function endSsoTestCookie(origin: string): string {
  const https = origin.startsWith("https://");
  return `${cookieName(https)}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax${https ? "; Secure" : ""}`;
}
