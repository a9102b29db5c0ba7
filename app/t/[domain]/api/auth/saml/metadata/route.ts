import { plainText } from "@/lib/portal/route-text.server.ts";
import { tenantSamlMetadata } from "@/lib/auth/saml-sign-in.server.ts";
import { currentTenant } from "@/lib/platform/current-tenant.server.ts";

type Context = { params: Promise<{ domain: string }> };

/** The portal's SAML service provider metadata (its entity id is this URL), for the IdP's administrator. */
export async function GET(_: Request, context: Context): Promise<Response> {
  const tenant = await currentTenant((await context.params).domain);
  if (tenant.status !== "active" || tenant.maintenance) return plainText("portalUnavailable", 403);
  const xml = await tenantSamlMetadata(tenant);
  if (!xml) return plainText("notFound", 404);
  return new Response(xml, { headers: { "content-type": "application/samlmetadata+xml; charset=utf-8" } });
}
