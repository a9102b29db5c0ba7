/**
 * The response header proxy.ts names a tenant page's tenant and plan in, for scripts/next-server.ts
 * alone: it tags cached pages by tenant and gives each tenant its plan's fair share, then removes
 * the header, so no visitor ever sees it (decision 054).
 */
export const TENANT_HEADER = "x-portico-tenant";

export function tenantHeaderValue(tenant: { id: string; plan: string }): string {
  return `${tenant.id}; plan=${tenant.plan}`;
}

/** The tenant and plan of a header value, or null for anything else. */
export function parseTenantHeader(value: unknown): { id: string; plan: string } | null {
  if (typeof value !== "string") return null;
  const match = /^([0-9a-f-]{36}); plan=([a-z]{1,32})$/.exec(value);
  return match ? { id: match[1]!, plan: match[2]! } : null;
}
