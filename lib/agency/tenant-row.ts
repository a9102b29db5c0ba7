import type { Prisma } from "../db/generated/control/client.ts";
import { tenantHosts, type HostConfig } from "../tenancy/host.ts";
import type { TenantStatus } from "../tenancy/resolver.ts";

/** What a query includes of each tenant to describe it as a row (the dashboard's fleet, the CLI's list). */
export const TENANT_ROW_INCLUDE = {
  domains: { select: { hostname: true }, orderBy: { hostname: "asc" } },
  database: {
    select: { databaseName: true, schemaVersion: true, migrationError: true, server: { select: { name: true } } },
  },
} as const satisfies Prisma.TenantInclude;

type TenantWithRowFields = Prisma.TenantGetPayload<{ include: typeof TENANT_ROW_INCLUDE }>;

/** A tenant as the fleet shows it: its addresses, where its database lives and its schema. */
export interface TenantRow {
  id: string;
  slug: string;
  name: string;
  status: TenantStatus;
  plan: string;
  /** Data residency (decision 053): the region its data stays in. */
  region: string;
  hosts: string[];
  server: string | null;
  databaseName: string | null;
  schemaVersion: string | null;
  migrationError: string | null;
}

export function tenantRow(tenant: TenantWithRowFields, hosts: Pick<HostConfig, "rootDomain">): TenantRow {
  return {
    id: tenant.id,
    slug: tenant.slug,
    name: tenant.name,
    status: tenant.status,
    plan: tenant.plan,
    region: tenant.region,
    hosts: tenantHosts(tenant.slug, tenant.domains, hosts),
    server: tenant.database?.server.name ?? null,
    databaseName: tenant.database?.databaseName ?? null,
    schemaVersion: tenant.database?.schemaVersion ?? null,
    migrationError: tenant.database?.migrationError ?? null,
  };
}
