import "server-only";
import { ensureDatabase, ensureRole, quoteIdent, withClient, withDatabase } from "../db/postgres.ts";
import { generatePassword, seal, unseal } from "../db/keyring.server.ts";
import { errorMessage } from "../util/errors.ts";
import { notifyTenantChanged } from "../tenancy/invalidation.server.ts";
import { syncPoolerAuth } from "../provisioning/pooler.server.ts";
import { mapSettledBounded } from "../util/concurrency.ts";
import type { ProvisionDeps } from "../provisioning/servers.server.ts";
import { tenantConnectionUrl } from "../db/tenant-db.server.ts";
import { resealSsoSecrets } from "../auth/sso-connection.server.ts";
import { resealTotpSecrets } from "../auth/totp.server.ts";

export interface ResealResult {
  tenantPasswords: number;
  serverUrls: number;
  /** Single sign-on client secrets, kept sealed in each tenant's own database (decision 042). */
  ssoSecrets: number;
  /** Authenticator-app secrets of tenant users, kept sealed in each tenant's own database (decision 045). */
  totpSecrets: number;
  /**
   * Tenants whose database could not be reached: their single sign-on and authenticator-app
   * secrets keep the old key, so run the command again before the old key goes.
   */
  tenantsSkipped: string[];
  /** Agency users' authenticator-app secrets, in the control plane (decision 046). */
  agencyTotpSecrets: number;
}

/**
 * After a key rotation (new PORTICO_SECRET_KEY, the old one in PORTICO_PREVIOUS_SECRET_KEYS):
 * re-seals every stored secret under the current key. Idempotent; afterwards the old key can go.
 */
export async function resealSecrets(deps: ProvisionDeps): Promise<ResealResult> {
  const current = deps.keyring.currentId;
  const databases = await deps.control.tenantDatabase.findMany({
    where: { keyId: { not: current } },
    select: { tenantId: true, passwordCiphertext: true, keyId: true },
  });
  for (const db of databases) {
    const sealed = seal(unseal({ ciphertext: db.passwordCiphertext, keyId: db.keyId }, deps.keyring), deps.keyring);
    await deps.control.tenantDatabase.update({
      where: { tenantId: db.tenantId },
      data: { passwordCiphertext: sealed.ciphertext, keyId: sealed.keyId },
    });
  }
  const servers = await deps.control.databaseServer.findMany({
    where: { keyId: { not: current } },
    select: { id: true, adminUrlCiphertext: true, keyId: true },
  });
  for (const server of servers) {
    const sealed = seal(
      unseal({ ciphertext: server.adminUrlCiphertext, keyId: server.keyId }, deps.keyring),
      deps.keyring,
    );
    await deps.control.databaseServer.update({
      where: { id: server.id },
      data: { adminUrlCiphertext: sealed.ciphertext, keyId: sealed.keyId },
    });
  }
  const apps = await deps.control.agencyTotp.findMany({
    where: { keyId: { not: current } },
    select: { agencyUserId: true, secretCiphertext: true, keyId: true },
  });
  for (const app of apps) {
    const sealed = seal(unseal({ ciphertext: app.secretCiphertext, keyId: app.keyId }, deps.keyring), deps.keyring);
    // Only the row as read: an enrolment restarted meanwhile has sealed its new secret already.
    await deps.control.agencyTotp.updateMany({
      where: { agencyUserId: app.agencyUserId, secretCiphertext: app.secretCiphertext },
      data: { secretCiphertext: sealed.ciphertext, keyId: sealed.keyId },
    });
  }
  // Each tenant's SSO client secrets and its users' authenticator-app secrets live in its own
  // database, reached with its own role; both are re-sealed over one connection.
  const tenants = await deps.control.tenant.findMany({
    where: { status: { in: ["active", "suspended"] }, database: { isNot: null } },
    select: { id: true, slug: true },
  });
  const outcomes = await mapSettledBounded(tenants, 4, async (tenant) =>
    withClient(await tenantConnectionUrl(deps.control, deps.keyring, tenant.id), async (c) => ({
      sso: await resealSsoSecrets(c, deps.keyring),
      totp: await resealTotpSecrets(c, deps.keyring),
    })),
  );
  let ssoSecrets = 0;
  let totpSecrets = 0;
  const tenantsSkipped: string[] = [];
  outcomes.forEach((outcome, i) => {
    if (outcome.status === "fulfilled") {
      ssoSecrets += outcome.value.sso;
      totpSecrets += outcome.value.totp;
    } else tenantsSkipped.push(tenants[i]!.slug);
  });
  return {
    tenantPasswords: databases.length,
    serverUrls: servers.length,
    ssoSecrets,
    totpSecrets,
    tenantsSkipped,
    agencyTotpSecrets: apps.length,
  };
}

export interface CredentialOutcome {
  slug: string;
  ok: boolean;
  reassigned: number;
  error?: string;
}

/**
 * Gives each tenant a fresh role password and brings it fully into the per-tenant-role model:
 * the role exists with least privilege, owns its database and every object in it, and PUBLIC
 * may not connect. Tenants created before this model (objects owned by an admin) are migrated by
 * the same command. Running instances pick the new password up at once (LISTEN/NOTIFY).
 */
export async function rotateTenantCredentials(
  deps: ProvisionDeps,
  slugs?: string[],
  concurrency = 4,
): Promise<CredentialOutcome[]> {
  const tenants = await deps.control.tenant.findMany({
    where: { database: { isNot: null }, ...(slugs ? { slug: { in: slugs } } : {}) },
    select: { id: true, slug: true, database: { include: { server: true } } },
    orderBy: { slug: "asc" },
  });
  const settled = await mapSettledBounded(tenants, concurrency, async (tenant): Promise<CredentialOutcome> => {
    const db = tenant.database!;
    const adminUrl = unseal({ ciphertext: db.server.adminUrlCiphertext, keyId: db.server.keyId }, deps.keyring);
    const password = generatePassword();
    await withClient(withDatabase(adminUrl, "postgres"), async (admin) => {
      await ensureRole(admin, db.roleName, password);
      await ensureDatabase(admin, db.databaseName, db.roleName);
    });
    // The pooler learns the new secret before any instance is told to use the new password.
    await syncPoolerAuth(deps, db.serverId);
    const reassigned = await withClient(withDatabase(adminUrl, db.databaseName), async (admin) => {
      const owned = await admin.query<{ kind: string; name: string }>(
        `SELECT 'TABLE' AS kind, quote_ident(c.relname) AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND pg_get_userbyid(c.relowner) <> $1
         UNION ALL
         SELECT 'SEQUENCE', quote_ident(c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'public' AND c.relkind = 'S' AND pg_get_userbyid(c.relowner) <> $1
             AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i'))
         UNION ALL
         SELECT 'TYPE', quote_ident(t.typname) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
           WHERE n.nspname = 'public' AND t.typtype = 'e' AND pg_get_userbyid(t.typowner) <> $1`,
        [db.roleName],
      );
      // Names come from the catalog, quoted by quote_ident; the role name passes quoteIdent.
      for (const object of owned.rows)
        await admin.query(`ALTER ${object.kind} public.${object.name} OWNER TO ${quoteIdent(db.roleName)}`);
      return owned.rows.length;
    });
    const sealed = seal(password, deps.keyring);
    await deps.control.tenantDatabase.update({
      where: { tenantId: tenant.id },
      data: { passwordCiphertext: sealed.ciphertext, keyId: sealed.keyId, credentialsRotatedAt: new Date() },
    });
    await notifyTenantChanged(deps.control, tenant.id);
    return { slug: tenant.slug, ok: true, reassigned };
  });
  return settled.map((s, i) =>
    s.status === "fulfilled"
      ? s.value
      : { slug: tenants[i]?.slug ?? "?", ok: false, reassigned: 0, error: errorMessage(s.reason) },
  );
}
