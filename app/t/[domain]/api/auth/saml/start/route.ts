import { headers } from "next/headers";
import { plainText } from "@/lib/portal/route-text.server.ts";
import { currentOrigin } from "@/lib/auth/origin.server.ts";
import { samlRateLimit } from "@/lib/auth/saml-acs.server.ts";
import { startSamlSignIn } from "@/lib/auth/saml-sign-in.server.ts";
import { ssoTestBy } from "@/lib/auth/sso-test.server.ts";
import { requestClientIp } from "@/lib/http/request-ip.server.ts";
import { currentTenant } from "@/lib/platform/current-tenant.server.ts";

type Context = { params: Promise<{ domain: string }> };

/**
 * Starts a SAML sign-in: a new AuthnRequest (its id remembered in the tenant's database) and a
 * redirect to the IdP. `returnTo` is checked here and again when it comes back. `test=1` is an
 * admin's test sign-in (the settings page set the admin's test marker), which works with a saved
 * connection not yet enabled and signs no one in. Limited per address and portal.
 */
export async function GET(request: Request, context: Context): Promise<Response> {
  const tenant = await currentTenant((await context.params).domain);
  if (tenant.status !== "active" || tenant.maintenance) return plainText("portalUnavailable", 403);
  const limited = await samlRateLimit(tenant, {
    ip: await requestClientIp(),
    userAgent: (await headers()).get("user-agent"),
  });
  if (limited) return limited;
  const params = new URL(request.url).searchParams;
  const test = params.get("test") === "1" && (await ssoTestBy(tenant, await currentOrigin())) !== null;
  const url = await startSamlSignIn(tenant, params.get("returnTo"), { test });
  if (!url) return plainText("notFound", 404);
  return new Response(null, { status: 303, headers: { location: url, "cache-control": "no-store" } });
}
