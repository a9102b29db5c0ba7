import "server-only";
import pg from "pg";
import type { ControlDb } from "../db/control.server.ts";

/**
 * Tenant changes (suspension, rename, domains, credentials) travel to every app instance over
 * PostgreSQL LISTEN/NOTIFY on the control plane, so caches drop a tenant on its next request
 * rather than after their TTL (decision 016).
 */
export const TENANT_CHANGED = "portico_tenant_changed";

/** Tells every instance a tenant changed, over a pg client or the Prisma control-plane client. */
export async function notifyTenantChanged(
  client: Pick<pg.Client, "query"> | Pick<ControlDb, "$executeRaw">,
  tenantId: string,
): Promise<void> {
  if ("$executeRaw" in client) await client.$executeRaw`SELECT pg_notify(${TENANT_CHANGED}, ${tenantId})`;
  else await client.query("SELECT pg_notify($1, $2)", [TENANT_CHANGED, tenantId]);
}

/**
 * The same notice for several tenants, as a statement to put in a control-plane `$transaction`
 * with the change itself: every instance hears of it when that transaction commits.
 */
export function tenantsChangedStatement(control: Pick<ControlDb, "$executeRaw">, tenantIds: string[]) {
  return control.$executeRaw`SELECT pg_notify(${TENANT_CHANGED}, id::text) FROM unnest(${tenantIds}::uuid[]) AS id`;
}

export interface Listener {
  close(): Promise<void>;
}

/**
 * Listens for tenant changes, reconnecting with back-off when the control plane goes away.
 * After a reconnect `onReconnect` runs, because notifications sent meanwhile were lost.
 */
export function listenForTenantChanges(
  url: string,
  onChange: (tenantId: string) => void,
  onReconnect: () => void,
): Listener {
  let client: pg.Client | null = null;
  let closed = false;
  let delay = 250;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const connect = async (isReconnect: boolean) => {
    if (closed) return;
    const next = new pg.Client({
      connectionString: url,
      application_name: "portico:listen",
      connectionTimeoutMillis: 5_000,
    });
    next.on("notification", (message) => {
      if (message.channel === TENANT_CHANGED && message.payload) onChange(message.payload);
    });
    next.on("error", () => retry());
    next.on("end", () => retry());
    try {
      await next.connect();
      await next.query(`LISTEN ${TENANT_CHANGED}`);
      client = next;
      delay = 250;
      if (isReconnect) onReconnect();
    } catch {
      await next.end().catch(() => {});
      retry();
    }
  };
  const retry = () => {
    if (closed || timer) return;
    client = null;
    timer = setTimeout(() => {
      timer = undefined;
      void connect(true);
    }, delay);
    timer.unref?.();
    delay = Math.min(delay * 2, 10_000);
  };
  void connect(false);
  return {
    close: async () => {
      closed = true;
      if (timer) clearTimeout(timer);
      await client?.end().catch(() => {});
    },
  };
}
