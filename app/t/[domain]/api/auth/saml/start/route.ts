import { plainText } from "@/lib/portal/route-text.server.ts";
import { startSamlSignIn } from "@/lib/auth/saml-sign-in.server.ts";
import { tenantUser } from "@/lib/auth/tenant-guard.server.ts";
import { currentTenant } from "@/lib/platform/current-tenant.server.ts";

type Context = { params: Promise<{ domain: string }> };

/**
 * Starts a SAML sign-in: a new AuthnRequest (its id remembered in the tenant's database) and a
 * redirect to the IdP. `returnTo` is checked here and again when it comes back. `test=1` is the
 * owner's test sign-in with a saved connection not yet enabled.
 */
export async function GET(request: Request, context: Context): Promise<Response> {
  const tenant = await currentTenant((await context.params).domain);
  if (tenant.status !== "active" || tenant.maintenance) return plainText("portalUnavailable", 403);
  const params = new URL(request.url).searchParams;
  const test = params.get("test") === "1" && (await tenantUser(tenant))?.role === "owner";
  const url = await startSamlSignIn(tenant, params.get("returnTo"), { test });
  if (!url) return plainText("notFound", 404);
  return new Response(null, { status: 303, headers: { location: url, "cache-control": "no-store" } });
}
