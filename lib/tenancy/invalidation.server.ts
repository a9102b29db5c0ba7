import "server-only";
import type pg from "pg";
import type { ControlDb } from "../db/control.server.ts";
import { TENANT_CHANGED, TENANT_CONTENT_CHANGED } from "./change-feed.ts";

export { TENANT_CHANGED, TENANT_CONTENT_CHANGED, listenForTenantChanges, type Listener } from "./change-feed.ts";

/**
 * Tenant changes (suspension, rename, domains, credentials) travel to every app instance over
 * PostgreSQL LISTEN/NOTIFY on the control plane, so caches drop a tenant on its next request
 * rather than after their TTL (decision 016). A change to what a tenant's portal shows (an event
 * edited, a registration taken) travels the same way on its own channel, so the web servers' page
 * caches drop that tenant's pages (decision 054) while its clients and resolver entry stay.
 */

/** Tells every instance a tenant changed, over a pg client or the Prisma control-plane client. */
export function notifyTenantChanged(client: NoticeClient, tenantId: string): Promise<void> {
  return notify(client, TENANT_CHANGED, tenantId);
}

type NoticeClient = Pick<pg.Client, "query"> | Pick<ControlDb, "$executeRaw">;

async function notify(client: NoticeClient, channel: string, tenantId: string): Promise<void> {
  if ("$executeRaw" in client) await client.$executeRaw`SELECT pg_notify(${channel}, ${tenantId})`;
  else await client.query("SELECT pg_notify($1, $2)", [channel, tenantId]);
}

/**
 * The same notice for several tenants, as a statement to put in a control-plane `$transaction`
 * with the change itself: every instance hears of it when that transaction commits.
 */
export function tenantsChangedStatement(control: Pick<ControlDb, "$executeRaw">, tenantIds: string[]) {
  return control.$executeRaw`SELECT pg_notify(${TENANT_CHANGED}, id::text) FROM unnest(${tenantIds}::uuid[]) AS id`;
}

/**
 * Tells every instance that a tenant's portal content changed: their page caches drop its pages.
 * Sent after every tenant action (lib/platform/content-changed.server.ts) and by the guest
 * confirmation link; a change of the tenant itself (TENANT_CHANGED: suspension, domains, a
 * restore) drops its pages too.
 */
export function notifyTenantContentChanged(client: NoticeClient, tenantId: string): Promise<void> {
  return notify(client, TENANT_CONTENT_CHANGED, tenantId);
}
