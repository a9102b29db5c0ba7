import { headers } from "next/headers";
import { plainText } from "@/lib/portal/route-text.server.ts";
import { samlAcs, samlRateLimit, samlRefusal } from "@/lib/auth/saml-acs.server.ts";
import { requestClientIp } from "@/lib/http/request-ip.server.ts";
import { currentTenant } from "@/lib/platform/current-tenant.server.ts";

type Context = { params: Promise<{ domain: string }> };

/**
 * The SAML Assertion Consumer Service (docs/decisions/043): the IdP's answer, posted by the
 * browser from the IdP's page. It carries no CSRF token and needs none — the signed, single-use
 * answer is the proof — and the session cookie is not set here (SameSite=Lax cookies do not ride
 * a cross-site POST): a single-use ticket takes the browser to /sign-in/saml on this host, where
 * next-auth's "saml" provider consumes it and makes the session. Limited per address and portal;
 * every refusal is audited against the tenant (lib/auth/saml-acs.server.ts).
 */
export async function POST(request: Request, context: Context): Promise<Response> {
  const tenant = await currentTenant((await context.params).domain);
  if (tenant.status !== "active" || tenant.maintenance) return plainText("portalUnavailable", 403);
  const from = { ip: await requestClientIp(), userAgent: (await headers()).get("user-agent") };
  let form: FormData;
  try {
    form = await request.formData();
  } catch {
    return (
      (await samlRateLimit(tenant, from)) ??
      samlRefusal("The identity provider's answer could not be read. Start the sign-in again.")
    );
  }
  return samlAcs(tenant, { samlResponse: form.get("SAMLResponse"), relayState: form.get("RelayState") }, from);
}
