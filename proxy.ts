import { NextResponse, type NextRequest } from "next/server";
import { hostConfig, loadEnv } from "./lib/config/env.server.ts";
import { contentSecurityPolicy, generateNonce, securityHeaders } from "./lib/http/security-headers.ts";
import { classifyHost, requestHost } from "./lib/tenancy/host.ts";
import { OUTAGE_SEGMENT, routeForRequest, type TenantRoute } from "./lib/platform/outage.ts";
import { TENANT_HEADER, tenantHeaderValue } from "./lib/http/tenant-header.ts";
import { annotateLogContext } from "./lib/observability/context.ts";
import { REQUEST_ID_HEADER, requestIdFor } from "./lib/observability/request-id.ts";

/**
 * Routing only, never the security boundary (CVE-2025-29927 showed proxies can be skipped):
 * classifies the Host and rewrites into /agency/… or /t/<host>/…. The pages re-derive the
 * tenant from the Host header themselves (lib/platform/current-tenant.server.ts). Also sets the
 * per-request CSP nonce and the security headers. A portal that is suspended or whose database is
 * down goes to its branded 503 notice instead of its pages (decision 022); the route that answers
 * checks that again itself. Every response carries the request's X-Request-Id (given by
 * scripts/next-server.ts, or made here when Next.js was started some other way), and the log
 * context learns the request's realm.
 */
export async function proxy(request: NextRequest): Promise<NextResponse> {
  // Liveness for load balancers and test runners, on any host; reveals nothing.
  if (request.nextUrl.pathname === "/healthz")
    return new NextResponse("ok\n", { headers: { "cache-control": "no-store" } });

  const env = loadEnv();
  const host = classifyHost(requestHost(request.headers, env.PORTICO_TRUST_FORWARDED_HOST), hostConfig(env));
  annotateLogContext({
    realm: host.kind === "agency" ? "agency" : host.kind === "subdomain" || host.kind === "custom" ? "tenant" : "none",
  });
  const url = request.nextUrl.clone();
  const path = url.pathname === "/" ? "" : url.pathname;
  let route: TenantRoute | null = null;
  switch (host.kind) {
    case "agency":
      url.pathname = `/agency${path}`;
      break;
    case "subdomain":
    case "custom":
      route = await routeForRequest(host, url.pathname);
      url.pathname = route.outage ? `/t/${host.hostname}/${OUTAGE_SEGMENT}` : `/t/${host.hostname}${path}`;
      break;
    default:
      // Nothing is served for an unknown or malformed host: a path that exists nowhere → neutral 404.
      url.pathname = "/_no-such-host";
  }

  const nonce = generateNonce();
  const csp = contentSecurityPolicy(nonce, { dev: process.env.NODE_ENV === "development" });
  const forwarded = new Headers(request.headers);
  // Downstream code (next-auth, server-action origin checks) reads X-Forwarded-Host: unless a
  // trusted proxy set it, it is whatever the client sent, so pin it to the Host.
  const hostHeader = request.headers.get("host");
  if (!env.PORTICO_TRUST_FORWARDED_HOST && hostHeader) forwarded.set("x-forwarded-host", hostHeader);
  forwarded.set("content-security-policy", csp);
  forwarded.set("x-nonce", nonce);
  const requestId = request.headers.get(REQUEST_ID_HEADER) ?? requestIdFor(null, false);
  forwarded.set(REQUEST_ID_HEADER, requestId);
  const response = NextResponse.rewrite(url, { request: { headers: forwarded } });
  response.headers.set("X-Request-Id", requestId);
  response.headers.set("Content-Security-Policy", csp);
  const https =
    request.nextUrl.protocol === "https:" ||
    (env.PORTICO_TRUST_FORWARDED_HOST && request.headers.get("x-forwarded-proto") === "https");
  for (const [name, value] of Object.entries(securityHeaders({ https }))) response.headers.set(name, value);
  // For scripts/next-server.ts, which removes it before the response leaves: whose page this is
  // (its page cache tags pages by tenant) and the plan its fair share follows (decision 054).
  if (route?.tenant && !route.outage) response.headers.set(TENANT_HEADER, tenantHeaderValue(route.tenant));
  return response;
}

export const config = {
  matcher: ["/((?!_next/static|_next/image|favicon.ico|brand/).*)"],
};
