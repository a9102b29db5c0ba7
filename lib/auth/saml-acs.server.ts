import "server-only";
import { appendAudit } from "../audit/log.server.ts";
import type { ControlDb } from "../db/control.server.ts";
import { log } from "../observability/logger.ts";
import { platform } from "../platform/platform.server.ts";
import { refusalResponse, type Throttle } from "../security/throttle.server.ts";
import type { ResolvedTenant } from "../tenancy/resolver.ts";
import { appThrottle } from "./lockouts.server.ts";
import { completeSamlSignIn } from "./saml-sign-in.server.ts";

/**
 * The SAML routes' guard and record (docs/decisions/043): the start and ACS routes are limited
 * per client address on the portal and per address overall, like the other sign-in endpoints,
 * and every answer the ACS refuses is written to the tenant's audit trail with its reason.
 */

export interface SamlRouteDeps {
  control: ControlDb;
  throttle: Throttle;
}

function appDeps(): SamlRouteDeps {
  return { control: platform().control, throttle: appThrottle() };
}

/** Where the request came from: the client address (the trusted one) and its agent. */
export interface SamlRequestFrom {
  ip: string;
  userAgent: string | null;
}

/** A 429 once this address has started or answered too many SAML sign-ins on this portal; else null. */
export async function samlRateLimit(
  tenant: Pick<ResolvedTenant, "id">,
  from: SamlRequestFrom,
  deps: SamlRouteDeps = appDeps(),
): Promise<Response | null> {
  const refusal = await deps.throttle.attempt("saml", { account: `saml:${tenant.id}:${from.ip}`, ip: from.ip });
  return refusal ? refusalResponse(refusal) : null;
}

/**
 * The IdP's answer at the ACS URL: limited, checked (completeSamlSignIn), and on refusal audited
 * against the tenant and answered with the refusal's sentence; on success a 303 to the ticket
 * page (a sign-in) or to the test's end (an admin's test sign-in).
 */
export async function samlAcs(
  tenant: ResolvedTenant,
  form: { samlResponse: unknown; relayState: unknown },
  from: SamlRequestFrom,
  deps: SamlRouteDeps = appDeps(),
): Promise<Response> {
  const limited = await samlRateLimit(tenant, from, deps);
  if (limited) return limited;
  const result = await completeSamlSignIn(tenant, form.samlResponse, form.relayState);
  if (!result.ok) {
    log().warn({ tenantId: tenant.id, code: result.code, detail: result.detail }, "saml sign-in refused");
    await appendAudit(deps.control, {
      actor: { type: "system", label: "saml" },
      action: "tenant.saml.refused",
      tenantId: tenant.id,
      ip: from.ip === "unknown" ? null : from.ip,
      userAgent: from.userAgent,
      details: { code: result.code, reason: result.reason, ...(result.detail ? { detail: result.detail } : {}) },
    });
    return samlRefusal(result.reason);
  }
  const location = result.test
    ? `/api/auth/saml/test?ticket=${encodeURIComponent(result.ticket)}`
    : `/sign-in/saml?ticket=${encodeURIComponent(result.ticket)}`;
  return new Response(null, { status: 303, headers: { location, "cache-control": "no-store" } });
}

/** A refusal's sentence, as plain text (the ACS is reached by a form post from the IdP's page). */
export function samlRefusal(reason: string): Response {
  return new Response(reason, {
    status: 400,
    headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" },
  });
}
