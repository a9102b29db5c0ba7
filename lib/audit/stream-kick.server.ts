import "server-only";

/**
 * Called after every successful append to a tenant's audit trail (lib/audit/tenant-trail.server.ts)
 * so the audit streams (SIEM forwarding) can pick the new entry up soon. A no-op until the streams
 * exist; whatever it becomes, it must never throw into the caller and never wait on a network:
 * the caller is a user's request.
 */
export async function kickAuditStreams(tenantId: string | null): Promise<void> {
  void tenantId;
  return Promise.resolve();
}
