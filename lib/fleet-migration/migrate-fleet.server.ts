import "server-only";
import { withClient } from "../db/postgres.ts";
import { unseal } from "../db/keyring.server.ts";
import { SERVER_ADDRESS, buildTenantUrl } from "../db/tenant-db.server.ts";
import { errorMessage } from "../util/errors.ts";
import { loadMigrations, migrate, migrationsDir, type Migration } from "../migrations/migrator.ts";
import { tenantsChangedStatement } from "../tenancy/invalidation.server.ts";
import { mapSettledBounded } from "../util/concurrency.ts";
import type { ProvisionDeps } from "../provisioning/servers.server.ts";

export interface TenantMigrationOutcome {
  slug: string;
  ok: boolean;
  applied: string[];
  version: string | null;
  error?: string;
}

/** A tenant's outcome waiting to be written to the control plane. */
interface Pending {
  tenantId: string;
  version: string | null;
  error: string | null;
}

/**
 * Writes outcomes to the control plane in batches: one transaction records up to `size`
 * tenants' versions or errors and notifies every instance of the migrated ones. A fleet
 * migration is CPU-bound (a new PostgreSQL backend per tenant); three control-plane statements
 * per tenant were a large share of its time (decision 014, docs/benchmarks.md). An outcome waits at most
 * `maxWaitMs`; if the process dies before a batch is written, the re-run finds those tenants
 * already migrated, records them, and applies nothing twice.
 */
class OutcomeRecorder {
  private pending: Pending[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private writing: Promise<void> = Promise.resolve();
  private failure: unknown;

  constructor(
    private readonly deps: ProvisionDeps,
    private readonly size = 50,
    private readonly maxWaitMs = 250,
  ) {}

  add(outcome: Pending): void {
    this.pending.push(outcome);
    if (this.pending.length >= this.size) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.maxWaitMs);
  }

  /** Starts writing what is pending; batches are written one after another, in order. */
  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending.splice(0);
    if (batch.length === 0) return;
    // Each batch is tried even if an earlier one failed (the control plane may be back).
    this.writing = this.writing.then(() => this.write(batch)).catch((error: unknown) => void (this.failure ??= error));
  }

  /** Writes everything pending, then resolves, or rejects with the first failed write. */
  async drain(): Promise<void> {
    this.flush();
    await this.writing;
    if (this.failure !== undefined) throw this.failure;
  }

  private async write(batch: Pending[]): Promise<void> {
    const ids = batch.map((p) => p.tenantId);
    const versions = batch.map((p) => p.version);
    const errors = batch.map((p) => (p.error === null ? null : p.error.slice(0, 2_000)));
    const migrated = batch.filter((p) => p.error === null).map((p) => p.tenantId);
    await this.deps.control.$transaction([
      this.deps.control.$executeRaw`
        UPDATE "TenantDatabase" AS d SET
          "schemaVersion"  = CASE WHEN o.error IS NULL THEN o.version ELSE d."schemaVersion" END,
          "migratedAt"     = CASE WHEN o.error IS NULL THEN now() ELSE d."migratedAt" END,
          "migrationError" = o.error,
          "updatedAt"      = now()
        FROM unnest(${ids}::uuid[], ${versions}::text[], ${errors}::text[]) AS o(id, version, error)
        WHERE d."tenantId" = o.id`,
      // A portal shown in maintenance while behind comes back on every instance at once.
      tenantsChangedStatement(this.deps.control, migrated),
    ]);
  }
}

/**
 * The tenants a fleet migration looks after. One still being provisioned (or whose provisioning
 * failed) is migrated by its own provisioning run, on Retry: its database may not exist yet.
 */
export const MIGRATED_STATUSES = ["active", "suspended"] as const;

/**
 * Migrates what is left of the fleet: every provisioned tenant behind the newest migration or whose last
 * migration failed (or the named tenants, whatever their state), with at most `concurrency` at
 * once. A failing tenant is recorded with its error; every other tenant is still migrated. A
 * re-run retries only what is left. Placements are read in one query up front, and outcomes
 * written in batches (OutcomeRecorder), so the control plane is not the bottleneck.
 */
export async function migrateFleet(
  deps: ProvisionDeps,
  options: {
    concurrency?: number;
    slugs?: string[];
    /** The tenant migrations to apply (tests and benchmarks); the shipped ones by default. */
    dir?: string;
    onStart?: (total: number) => void | Promise<void>;
    onResult?: (outcome: TenantMigrationOutcome, done: number, total: number) => void | Promise<void>;
  },
): Promise<TenantMigrationOutcome[]> {
  const migrations: Migration[] = await loadMigrations(options.dir ?? migrationsDir("tenant"));
  const latest = migrations.at(-1)?.name ?? "";
  const left = { OR: [{ schemaVersion: null }, { schemaVersion: { not: latest } }, { migrationError: { not: null } }] };
  const tenants = await deps.control.tenant.findMany({
    where: options.slugs
      ? { slug: { in: options.slugs }, database: { isNot: null } }
      : { status: { in: [...MIGRATED_STATUSES] }, database: { is: left } },
    select: {
      id: true,
      slug: true,
      database: {
        select: {
          roleName: true,
          databaseName: true,
          passwordCiphertext: true,
          keyId: true,
          server: { select: SERVER_ADDRESS },
        },
      },
    },
    orderBy: { slug: "asc" },
  });
  await options.onStart?.(tenants.length);
  const recorder = new OutcomeRecorder(deps);
  let done = 0;
  const settled = await mapSettledBounded(tenants, options.concurrency ?? 4, async ({ id, slug, database: db }) => {
    let outcome: TenantMigrationOutcome;
    try {
      if (!db) throw new Error("this tenant has no database registered");
      const url = buildTenantUrl(
        db.server,
        db,
        unseal({ ciphertext: db.passwordCiphertext, keyId: db.keyId }, deps.keyring),
      );
      const result = await withClient(url, (client) => migrate(client, migrations));
      outcome = { slug, ok: true, applied: result.applied, version: result.version };
      recorder.add({ tenantId: id, version: result.version, error: null });
    } catch (error) {
      outcome = { slug, ok: false, applied: [], version: null, error: errorMessage(error) };
      recorder.add({ tenantId: id, version: null, error: outcome.error! });
    }
    await options.onResult?.(outcome, ++done, tenants.length);
    return outcome;
  });
  await recorder.drain();
  return settled.map((s, i) =>
    s.status === "fulfilled"
      ? s.value
      : { slug: tenants[i]?.slug ?? "?", ok: false, applied: [], version: null, error: errorMessage(s.reason) },
  );
}
