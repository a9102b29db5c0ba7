import "server-only";
import { headers } from "next/headers";
import { notFound } from "next/navigation";
import { cache } from "react";
import { ControlPlaneUnavailable } from "../util/errors.ts";
import { platform } from "./platform.server.ts";
import { classifyHost, requestHost, type HostClass } from "../tenancy/host.ts";
import { resolverKey, type ResolvedTenant } from "../tenancy/resolver.ts";
import { annotateLogContext } from "../observability/context.ts";

export const currentHost = cache(async (): Promise<HostClass> => {
  const requestHeaders = await headers(); // first: makes every caller request-time, never prerendered
  const { env, hosts } = platform();
  return classifyHost(requestHost(requestHeaders, env.PORTICO_TRUST_FORWARDED_HOST), hosts);
});

/**
 * The tenant this request is for, from the Host header alone. `domainParam` is the [domain]
 * segment proxy.ts rewrote into: it must agree with the Host, so a request that bypasses the
 * proxy (CVE-2025-29927) or names another tenant's segment in its path gets a 404.
 * Tenants that are not live (provisioning, failed) do not exist as far as visitors can tell.
 */
export const currentTenant = cache(async (domainParam: string): Promise<ResolvedTenant> => {
  const host = await currentHost();
  if ((host.kind !== "subdomain" && host.kind !== "custom") || host.hostname !== decodeURIComponent(domainParam)) {
    notFound();
  }
  const key = resolverKey(host);
  let tenant: ResolvedTenant | null = null;
  try {
    tenant = key ? await platform().resolver.resolve(key) : null;
  } catch (error) {
    // Only a host never resolved before gets here (the resolver serves known ones from its
    // cache while the control plane is down): say so, without naming any tenant.
    throw new ControlPlaneUnavailable("the control plane did not answer", { cause: error });
  }
  if (!tenant || (tenant.status !== "active" && tenant.status !== "suspended")) notFound();
  // Every later line of this request names the tenant (lib/observability/context.ts).
  annotateLogContext({ realm: "tenant", tenant: tenant.slug });
  return tenant;
});

/**
 * The tenant of the current request for server actions and route handlers, which have no
 * [domain] segment: from the Host header alone; only live tenants not in maintenance.
 */
export async function currentTenantFromHost(): Promise<ResolvedTenant | null> {
  const host = await currentHost();
  const key = resolverKey(host);
  const tenant = key ? await platform().resolver.resolve(key) : null;
  if (tenant) annotateLogContext({ realm: "tenant", tenant: tenant.slug });
  return tenant && tenant.status === "active" && !tenant.maintenance ? tenant : null;
}
