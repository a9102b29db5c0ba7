import "server-only";
import {
  databaseExists,
  quoteIdent,
  quoteLiteral,
  revokePublicConnect,
  withClient,
  withDatabase,
} from "../db/postgres.ts";
import { grantJobSender, installJobSchema } from "../jobs/schema.ts";
import { loadMigrations, migrate, migrationsDir, type MigrateResult } from "../migrations/migrator.ts";

/**
 * Applies the control-plane migrations to the database at `url`, then creates or migrates the
 * job queue's schema beside them (pg-boss's own, decision 039).
 */
export async function migrateControlPlane(url: string): Promise<MigrateResult> {
  const result = await withClient(url, async (client) =>
    migrate(client, await loadMigrations(migrationsDir("control"))),
  );
  await installJobSchema(url);
  return result;
}

/**
 * Creates the control-plane database on a server we administer (the embedded default), closes
 * it to every role but its owner, and migrates it. Returns its URL.
 */
export async function prepareControlPlane(
  adminUrl: string,
  database: string,
): Promise<{ url: string; migration: MigrateResult }> {
  await withClient(withDatabase(adminUrl, "postgres"), async (admin) => {
    if (!(await databaseExists(admin, database))) {
      await admin.query(`CREATE DATABASE ${quoteIdent(database)}`).catch((error: { code?: string }) => {
        if (error.code !== "42P04") throw error;
      });
    }
    // Tenant roles must not even connect here (security case 15).
    await revokePublicConnect(admin, database);
    await revokePublicConnect(admin, "postgres");
  });
  const url = withDatabase(adminUrl, database);
  return { url, migration: await migrateControlPlane(url) };
}

export const APP_ROLE = "portico_app";

/**
 * The role the web app uses for the control plane (embedded mode): it may read (but not the
 * servers' administrative credentials), append to the audit log and the outbox, record sign-in
 * times, keep onboarding drafts and queue operations, and nothing else. Migrations, the
 * operations worker and the CLI use the administrative connection (docs/decisions/009). Re-applied at every start, so tables added by
 * new migrations are covered.
 */
export async function ensureAppRole(
  adminUrl: string,
  database: string,
  password: string,
  roleName = APP_ROLE,
): Promise<string> {
  const role = quoteIdent(roleName);
  await withClient(withDatabase(adminUrl, "postgres"), async (admin) => {
    const exists = (await admin.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [roleName])).rowCount === 1;
    await admin.query(
      `${exists ? "ALTER" : "CREATE"} ROLE ${role} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD ${quoteLiteral(password)}`,
    );
    await admin.query(`GRANT CONNECT ON DATABASE ${quoteIdent(database)} TO ${role}`);
  });
  await withClient(withDatabase(adminUrl, database), async (c) => {
    await c.query(`GRANT USAGE ON SCHEMA public TO ${role}`);
    await c.query(`REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${role}`);
    await c.query(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${role}`);
    await c.query(`GRANT INSERT ON "AuditEntry", "OutboxMessage" TO ${role}`);
    await c.query(`GRANT USAGE, SELECT ON SEQUENCE "AuditEntry_id_seq" TO ${role}`);
    await c.query(`GRANT UPDATE ("lastSignInAt", "updatedAt") ON "AgencyUser" TO ${role}`);
    // Agency actions are queued for the operations worker, never carried out by the web app.
    await c.query(`GRANT INSERT ON "Operation" TO ${role}`);
    await c.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON "TenantDraft" TO ${role}`);
    // The fleet fan-out's brief cache of figures read from tenant databases (decision 012).
    await c.query(`GRANT INSERT, UPDATE ON "TenantMetrics" TO ${role}`);
    // Impersonation hand-offs: issued on the agency host, consumed and ended on the tenant's.
    await c.query(`GRANT INSERT ON "ImpersonationGrant" TO ${role}`);
    await c.query(`GRANT UPDATE ("usedAt", "sessionExpiresAt", "endedAt") ON "ImpersonationGrant" TO ${role}`);
    // Accepting an agency invitation sets a password; roles and activation stay the worker's.
    await c.query(`GRANT UPDATE ("passwordHash") ON "AgencyUser" TO ${role}`);
    await c.query(`GRANT UPDATE ("usedAt") ON "AgencyInvitation" TO ${role}`);
    // Server-side sessions (decision 041): a sign-in writes its row; the guard records when it
    // was last seen, and sign-out or the account page ends it. Nothing else of a row changes.
    await c.query(`GRANT INSERT ON "AgencySession" TO ${role}`);
    await c.query(`GRANT UPDATE ("lastSeenAt", "endedAt", "secondFactorAt") ON "AgencySession" TO ${role}`);
    // Second factors (decision 046): a person sets up and removes their own app and recovery
    // codes, and each accepted code or used recovery code is recorded as it is checked.
    await c.query(`GRANT INSERT, UPDATE, DELETE ON "AgencyTotp" TO ${role}`);
    await c.query(`GRANT INSERT, UPDATE ("usedAt"), DELETE ON "AgencyRecoveryCode" TO ${role}`);
    // Agency single sign-on (decision 042): linking an existing agency user to their identity at
    // the agency's provider and stamping its sign-ins. Creating a user stays the worker's.
    await c.query(`GRANT INSERT, UPDATE ("lastSignInAt") ON "AgencySsoIdentity" TO ${role}`);
    // Rate limits and lockouts (decision 019): counters every instance reads and writes, and
    // DELETE for an admin lifting a lockout and for the library's sweep of expired keys.
    await c.query(`GRANT INSERT, UPDATE, DELETE ON "RateLimit" TO ${role}`);
    // Mail through the outbox (decision 040): the app queues mail and marks the outboxes that
    // may have some; sending, sweeping and pruning are the job worker's (its flush is a job the
    // app may only send, below).
    await c.query(`GRANT INSERT ON "MailOutbox" TO ${role}`);
    // It may see how delivery stands, never what waits: a queued invitation holds its link.
    await c.query(`REVOKE SELECT ON "MailOutbox" FROM ${role}`);
    await c.query(
      `GRANT SELECT (id, "createdAt", "tenantId", status, attempts, "nextAttemptAt", "lastError", "sentAt") ON "MailOutbox" TO ${role}`,
    );
    await c.query(`GRANT INSERT, UPDATE ON "MailTarget" TO ${role}`);
    // A server's administrative URL is the worker's alone; its address, TLS settings and pooler
    // address build tenant URLs (the auth file's path is the worker's too: decision 038).
    // Its region (decision 053) is shown and checked by the wizard and the dashboard.
    await c.query(`REVOKE SELECT ON "DatabaseServer" FROM ${role}`);
    await c.query(
      `GRANT SELECT (id, name, host, port, "sslMode", "sslRootCert", "poolerUrl", region, "createdAt") ON "DatabaseServer" TO ${role}`,
    );
    // Audit streams (decision 049): owners add, disable, delete sinks and rotate their HMAC key,
    // which the app seals and never reads back; the cursor and delivery state are the worker's.
    await c.query(`REVOKE SELECT ON "AuditSink" FROM ${role}`);
    await c.query(
      `GRANT SELECT (id, "tenantId", kind, name, url, host, port, "caPem", enabled, cursor, "lastDeliveredAt", "lastError", "lastErrorAt", attempts, "nextAttemptAt", "createdAt", "updatedAt") ON "AuditSink" TO ${role}`,
    );
    await c.query(`GRANT INSERT, DELETE ON "AuditSink" TO ${role}`);
    await c.query(
      `GRANT UPDATE ("secretCiphertext", "keyId", enabled, attempts, "nextAttemptAt", "updatedAt") ON "AuditSink" TO ${role}`,
    );
    // The job queue: it may send jobs (an operation's, in the transaction that queues it), never
    // fetch, complete or delete them (decision 039).
    await grantJobSender(c, roleName);
  });
  const url = new URL(withDatabase(adminUrl, database));
  url.username = roleName;
  url.password = password;
  return url.toString();
}
