import { currentOrigin } from "@/lib/auth/origin.server.ts";
import { finishSamlTest } from "@/lib/auth/saml-sign-in.server.ts";
import { endSsoTestCookie, ssoTestBy } from "@/lib/auth/sso-test.server.ts";
import { plainText } from "@/lib/portal/route-text.server.ts";
import { currentTenant } from "@/lib/platform/current-tenant.server.ts";

type Context = { params: Promise<{ domain: string }> };

/**
 * The end of an admin's SAML test sign-in: the ACS checked the IdP's answer in full and left a
 * single-use ticket; here, on this host with the admin's own cookies, the test is recorded for
 * the admin whose test marker is set (docs/decisions/043) — never for anyone else — and the
 * admin lands back on the settings page with the outcome.
 */
export async function GET(request: Request, context: Context): Promise<Response> {
  const tenant = await currentTenant((await context.params).domain);
  if (tenant.status !== "active" || tenant.maintenance) return plainText("portalUnavailable", 403);
  const origin = await currentOrigin();
  const admin = await ssoTestBy(tenant, origin);
  const outcome = admin
    ? await finishSamlTest(tenant, new URL(request.url).searchParams.get("ticket"))
    : { ok: false as const };
  const result = outcome.ok ? `ok:${outcome.role}` : "failed";
  return new Response(null, {
    status: 303,
    headers: {
      location: `/manage/settings?samlTest=${result}#saml`,
      "cache-control": "no-store",
      "set-cookie": endSsoTestCookie(origin),
    },
  });
}
