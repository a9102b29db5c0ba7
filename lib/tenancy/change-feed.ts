import pg from "pg";

/**
 * The change feed of the control plane: PostgreSQL LISTEN/NOTIFY channels every app instance
 * listens on (decision 016). Free of server-only code, so scripts/next-server.ts (outside Next's
 * module graph) listens too, for its page cache (decision 054). Senders are in
 * lib/tenancy/invalidation.server.ts.
 */

/** A tenant itself changed (suspension, rename, domains, credentials, placement). */
export const TENANT_CHANGED = "portico_tenant_changed";
/** What a tenant's portal shows changed (events, registrations, branding, team). */
export const TENANT_CONTENT_CHANGED = "portico_tenant_content_changed";

export type Channel = typeof TENANT_CHANGED | typeof TENANT_CONTENT_CHANGED;

export interface Listener {
  close(): Promise<void>;
}

/**
 * Listens on `channels`, reconnecting with back-off when the control plane goes away. After a
 * reconnect `onReconnect` runs, because notifications sent meanwhile were lost.
 */
export function listenForTenantNotices(
  url: string,
  channels: readonly Channel[],
  onNotice: (channel: Channel, tenantId: string) => void,
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
      const channel = channels.find((c) => c === message.channel);
      if (channel && message.payload) onNotice(channel, message.payload);
    });
    next.on("error", () => retry());
    next.on("end", () => retry());
    try {
      await next.connect();
      for (const channel of channels) await next.query(`LISTEN ${channel}`);
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

/** Listens for changes of tenants themselves (TENANT_CHANGED). */
export function listenForTenantChanges(
  url: string,
  onChange: (tenantId: string) => void,
  onReconnect: () => void,
): Listener {
  return listenForTenantNotices(url, [TENANT_CHANGED], (_channel, tenantId) => onChange(tenantId), onReconnect);
}
