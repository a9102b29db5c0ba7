import "server-only";
import {
  connect,
  dropDatabaseIfExists,
  dropRoleIfExists,
  ensureDatabase,
  ensureRole,
  quoteIdent,
  serverAddress,
  withClient,
  withCredentials,
  withDatabase,
} from "../db/postgres.ts";
import { generatePassword, seal } from "../db/keyring.server.ts";
import { InvalidInput, TenantNotFound } from "../util/errors.ts";
import { loadMigrations, migrate, migrationsDir } from "../migrations/migrator.ts";
import { notifyTenantChanged } from "../tenancy/invalidation.server.ts";
import { syncPoolerAuth } from "../provisioning/pooler.server.ts";
import { log } from "../observability/logger.ts";
import { serverAdminUrl, type ProvisionDeps } from "../provisioning/servers.server.ts";
import { copyTables, countRows, listTables } from "./table-copy.server.ts";
import { cloneTenantDatabase } from "../provisioning/template.server.ts";
import { appendAudit, type AuditActor } from "../audit/log.server.ts";
import { regionLabel } from "../tenancy/regions.ts";

/**
 * An agency owner's confirmation that a tenant may leave its region (decision 053): the tenant's
 * slug and the target region, typed back, and who typed them.
 */
export interface RegionConfirmation {
  slug: string;
  region: string;
  agencyUserId: string;
}

/**
 * Refuses a move out of the tenant's region unless an active agency OWNER confirmed it by typing
 * the tenant's slug and the target region. Checked where the move runs, not only in the form.
 */
export async function checkRegionChange(
  deps: Pick<ProvisionDeps, "control">,
  tenant: { slug: string; region: string },
  target: { name: string; region: string },
  confirmation: RegionConfirmation | null | undefined,
): Promise<{ id: string; email: string } | null> {
  if (target.region === tenant.region) return null;
  const ask = `"${tenant.slug}" must stay in region ${tenant.region} (${regionLabel(tenant.region)}) and ${target.name} is in ${target.region} (${regionLabel(target.region)}): to move it out of its region, an agency owner confirms by typing the slug and the region ${target.region}`;
  if (!confirmation) throw new InvalidInput(ask);
  if (confirmation.slug !== tenant.slug || confirmation.region !== target.region)
    throw new InvalidInput(`the confirmation does not match; ${ask}`);
  const user = await deps.control.agencyUser.findUnique({
    where: { id: confirmation.agencyUserId },
    select: { id: true, email: true, role: true, active: true },
  });
  if (!user || !user.active || user.role !== "owner")
    throw new InvalidInput(`only an agency owner can confirm moving a tenant out of its region; ${ask}`);
  return { id: user.id, email: user.email };
}

export const MOVE_STEPS = ["maintenance", "create", "copy", "verify", "switch", "drop-old"] as const;
export type MoveStep = (typeof MOVE_STEPS)[number];

/**
 * Moves a tenant's database to another registered server: only this tenant is briefly in
 * maintenance (its portal shows a notice, its role cannot log in on the old server), its rows are
 * copied into a fresh database on the target with a new role password, every table's row count is
 * verified, the control plane is switched in one update, and the old copy is dropped. Anything
 * failing before the switch leaves the tenant where it was, back in service.
 */
export async function moveTenant(
  deps: ProvisionDeps,
  slug: string,
  serverName: string,
  options: {
    onStep?: (step: MoveStep) => void | Promise<void>;
    /** Needed when the target server is in another region than the tenant (decision 053). */
    regionConfirmation?: RegionConfirmation | null;
    /** Who asked for the move, for the audit entry of a region change. */
    actor?: AuditActor;
  } = {},
): Promise<{
  tenantId: string;
  from: string;
  to: string;
  rows: Record<string, number>;
  region: { from: string; to: string };
}> {
  const tenant = await deps.control.tenant.findUnique({
    where: { slug },
    include: { database: { include: { server: { select: { id: true, name: true } } } } },
  });
  if (!tenant?.database) throw new TenantNotFound(`no tenant with a database named "${slug}"`);
  if (tenant.status !== "active" && tenant.status !== "suspended")
    throw new InvalidInput(`"${slug}" is ${tenant.status}; only a live tenant can be moved`);
  const target = await deps.control.databaseServer.findUnique({
    where: { name: serverName },
    select: { id: true, name: true, region: true },
  });
  if (!target) {
    const names = (await deps.control.databaseServer.findMany({ select: { name: true } })).map((s) => s.name);
    throw new InvalidInput(`no database server named "${serverName}"; registered: ${names.join(", ")}`);
  }
  const db = tenant.database;
  if (target.id === db.serverId) throw new InvalidInput(`"${slug}" is already on ${serverName}`);
  const confirmedBy = await checkRegionChange(deps, tenant, target, options.regionConfirmation);
  const sourceAdmin = await serverAdminUrl(deps, db.serverId);
  const targetAdmin = await serverAdminUrl(deps, target.id);
  // Two registered names for one PostgreSQL cluster would make the "copy" the original itself,
  // and the rollback would drop it: refuse.
  if (await sameCluster(sourceAdmin, targetAdmin)) {
    throw new InvalidInput(
      `${db.server.name} and ${target.name} are the same PostgreSQL server; a move needs a different one`,
    );
  }
  // Audited before anything moves, so no region changes without its entry (decision 053).
  if (confirmedBy)
    await appendAudit(deps.control, {
      actor: options.actor ?? { type: "agency-user", id: confirmedBy.id, label: confirmedBy.email },
      action: "tenant.region.confirm",
      tenantId: tenant.id,
      details: {
        from: tenant.region,
        to: target.region,
        fromServer: db.server.name,
        toServer: target.name,
        confirmedBy: confirmedBy.email,
      },
    });
  const password = generatePassword();
  const notify = () => notifyTenantChanged(deps.control, tenant.id);
  const step = async (name: MoveStep) => options.onStep?.(name);

  await step("maintenance");
  await deps.control.tenant.update({
    where: { id: tenant.id },
    data: { maintenance: "moving to another database server" },
  });
  await notify();
  // Nothing writes to the old copy while it is read: its role cannot log in and loses its sessions.
  await withClient(withDatabase(sourceAdmin, "postgres"), async (admin) => {
    await admin.query(`ALTER ROLE ${quoteIdent(db.roleName)} NOLOGIN`);
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1", [db.roleName]);
  });

  let rows: Record<string, number>;
  try {
    await step("create");
    await withClient(withDatabase(targetAdmin, "postgres"), async (admin) => {
      // Whatever an interrupted earlier move left on the target is not the live copy: start clean.
      await dropDatabaseIfExists(admin, db.databaseName);
      await ensureRole(admin, db.roleName, password);
      await cloneTenantDatabase(targetAdmin, admin, db.databaseName, db.roleName);
      await ensureDatabase(admin, db.databaseName, db.roleName);
    });
    // The target's pooler knows the role before the placement switches to it.
    await syncPoolerAuth(deps, target.id, [db.roleName]);
    const targetUrl = withCredentials(targetAdmin, db.roleName, password, db.databaseName);
    const version = await withClient(
      targetUrl,
      async (c) => (await migrate(c, await loadMigrations(migrationsDir("tenant")))).version,
    );

    await step("copy");
    const source = await connect(withDatabase(sourceAdmin, db.databaseName));
    const copy = await connect(targetUrl);
    try {
      rows = await copyTables(source, copy);
      await step("verify");
      for (const table of await listTables(source)) {
        const [a, b] = [await countRows(source, table), await countRows(copy, table)];
        if (a !== b || rows[table] !== a)
          throw new Error(`row counts differ for ${table}: ${a} on ${db.server.name}, ${b} on ${target.name}`);
      }
    } finally {
      await source.end().catch(() => {});
      await copy.end().catch(() => {});
    }

    await step("switch");
    const sealed = seal(password, deps.keyring);
    await deps.control.$transaction([
      deps.control.tenantDatabase.update({
        where: { tenantId: tenant.id },
        data: {
          serverId: target.id,
          passwordCiphertext: sealed.ciphertext,
          keyId: sealed.keyId,
          credentialsRotatedAt: new Date(),
          schemaVersion: version,
          migratedAt: new Date(),
          migrationError: null,
        },
      }),
      // The region follows the database only here, after the owner's confirmation was checked.
      deps.control.tenant.update({
        where: { id: tenant.id },
        data: { maintenance: null, ...(confirmedBy ? { region: target.region } : {}) },
      }),
    ]);
    await notify();
  } catch (error) {
    // Back where it was: the half-made copy goes, the old copy serves again.
    await withClient(withDatabase(targetAdmin, "postgres"), async (admin) => {
      await dropDatabaseIfExists(admin, db.databaseName);
      await dropRoleIfExists(admin, db.roleName);
    }).catch(() => {});
    await withClient(withDatabase(sourceAdmin, "postgres"), (admin) =>
      admin.query(`ALTER ROLE ${quoteIdent(db.roleName)} LOGIN`),
    );
    await deps.control.tenant.update({ where: { id: tenant.id }, data: { maintenance: null } });
    await notify();
    throw error;
  }

  await step("drop-old");
  await withClient(withDatabase(sourceAdmin, "postgres"), async (admin) => {
    await dropDatabaseIfExists(admin, db.databaseName);
    await dropRoleIfExists(admin, db.roleName);
  });
  // The old server's pooler forgets the role; the move is done whatever it answers.
  await syncPoolerAuth(deps, db.serverId).catch((error: unknown) =>
    log().warn({ err: error, tenant: slug }, "the old server's PgBouncer auth file was not updated after the move"),
  );
  return {
    tenantId: tenant.id,
    from: db.server.name,
    to: target.name,
    rows,
    region: { from: tenant.region, to: confirmedBy ? target.region : tenant.region },
  };
}

async function identity(adminUrl: string): Promise<string> {
  return withClient(withDatabase(adminUrl, "postgres"), async (c) => {
    const system = await c
      .query<{ id: string }>("SELECT system_identifier::text AS id FROM pg_control_system()")
      .catch(() => null);
    const { host, port } = serverAddress(adminUrl);
    return system?.rows[0]?.id ?? `${host === "localhost" ? "127.0.0.1" : host}:${port}`;
  });
}

/** Whether two administrative URLs reach the same cluster (its system identifier, else the address). */
export async function sameCluster(a: string, b: string): Promise<boolean> {
  return (await identity(a)) === (await identity(b));
}
