import { plainText } from "@/lib/portal/route-text.server.ts";
import { completeSamlSignIn } from "@/lib/auth/saml-sign-in.server.ts";
import { currentTenant } from "@/lib/platform/current-tenant.server.ts";
import { log } from "@/lib/observability/logger.ts";

type Context = { params: Promise<{ domain: string }> };

/**
 * The SAML Assertion Consumer Service (docs/decisions/043): the IdP's answer, posted by the
 * browser from the IdP's page. It carries no CSRF token and needs none — the signed, single-use
 * answer is the proof — and the session cookie is not set here (SameSite=Lax cookies do not ride
 * a cross-site POST): a single-use ticket takes the browser to /sign-in/saml on this host, where
 * next-auth's "saml" provider consumes it and makes the session.
 */
export async function POST(request: Request, context: Context): Promise<Response> {
  const tenant = await currentTenant((await context.params).domain);
  if (tenant.status !== "active" || tenant.maintenance) return plainText("portalUnavailable", 403);
  let form: FormData;
  try {
    form = await request.formData();
  } catch {
    return refusal("The identity provider's answer could not be read. Start the sign-in again.");
  }
  const result = await completeSamlSignIn(tenant, form.get("SAMLResponse"), form.get("RelayState"));
  if (!result.ok) {
    log().warn({ tenantId: tenant.id, code: result.code, detail: result.detail }, "saml sign-in refused");
    return refusal(result.reason);
  }
  return new Response(null, {
    status: 303,
    headers: { location: `/sign-in/saml?ticket=${encodeURIComponent(result.ticket)}`, "cache-control": "no-store" },
  });
}

function refusal(reason: string): Response {
  return new Response(reason, {
    status: 400,
    headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" },
  });
}
