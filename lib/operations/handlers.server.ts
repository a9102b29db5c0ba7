import "server-only";
import type { AuditActor } from "../audit/log.server.ts";
import { InvalidInput } from "../util/errors.ts";
import { assertOwner, changeAgencyUser, inviteAgencyUser } from "../auth/agency-members.server.ts";
import { agencySsoConfig, createAgencyUserFromSso } from "../auth/agency-sso.server.ts";
import { loadEnv } from "../config/env.server.ts";
import { exportTenant } from "../lifecycle/archive.server.ts";
import { recordOperationInTrail } from "./trail.server.ts";
import { discardTenant, resumeProvisioning } from "../provisioning/resume.server.ts";
import { renameTenant, setTenantBranding, setTenantDomains } from "../lifecycle/profile.server.ts";
import { setTenantSuspended } from "../lifecycle/suspend.server.ts";
import { migrateFleet } from "../fleet-migration/migrate-fleet.server.ts";
import { MOVE_STEPS, moveTenant } from "../lifecycle/move.server.ts";
import { offboardTenant } from "../lifecycle/offboard.server.ts";
import { PROVISIONING_STEPS, provisionTenant, type ProvisionOptions } from "../provisioning/provision.server.ts";
import type { ProvisionDeps } from "../provisioning/servers.server.ts";
import { parseTenantSpec } from "../provisioning/spec.ts";
import { checkLogo } from "../tenancy/logo.ts";
import type { OperationInput, OperationKind, OperationProgress } from "./kinds.ts";
import {
  createBackup,
  restoreInPlace,
  restoreIntoNewTenant,
  type BackupDeps,
  type BackupLocations,
} from "../backups/backups.server.ts";
import { KEEP_UNSCHEDULED_MS } from "../backups/tiers.ts";

/** What every operation handler is given: the provisioning dependencies and the exports folder. */
export interface WorkerDeps extends ProvisionDeps {
  /** Where tenant exports are written (and read back by the dashboard's download route). */
  exportsDir: string;
  /** Where backups are kept (lib/backups); backups and restores refuse to run without. */
  backups?: BackupLocations;
}

export interface OperationContext<K extends OperationKind = OperationKind> {
  deps: WorkerDeps;
  id: string;
  slug: string | null;
  input: OperationInput<K>;
  progress: OperationProgress;
  save(patch: Partial<OperationProgress>): Promise<void>;
  /** The tenant this operation concerns, for the audit entry. */
  setTenant(tenantId: string): void;
  actor: AuditActor;
}

type Handler<K extends OperationKind> = (ctx: OperationContext<K>) => Promise<Record<string, unknown> | void>;

function requireSlug(ctx: OperationContext): string {
  if (!ctx.slug) throw new InvalidInput("this operation needs a tenant");
  return ctx.slug;
}

function backupDeps(ctx: OperationContext): BackupDeps {
  const { backups } = ctx.deps;
  if (!backups) throw new InvalidInput("this worker has no backup location configured (PORTICO_BACKUP_DIR)");
  return { ...ctx.deps, backups };
}

/** An agency owner, or the CLI (whose operator holds the server's keys anyway). */
async function assertOwnerOrCli(ctx: OperationContext, what: string): Promise<void> {
  if (ctx.actor.type === "cli") return;
  const actor = ctx.actor.id
    ? await ctx.deps.control.agencyUser.findUnique({
        where: { id: ctx.actor.id },
        select: { role: true, active: true },
      })
    : null;
  if (!actor?.active || actor.role !== "owner") throw new InvalidInput(`only an agency owner can ${what}`);
}

/** Named steps shown live by the dashboard: pending → running → done (or failed). */
function stepTracker(ctx: OperationContext, names: readonly string[]) {
  const steps = names.map((name) => ({
    name,
    status: "pending" as "pending" | "running" | "done" | "failed",
    ms: undefined as number | undefined,
  }));
  let started = Date.now();
  const mark = async (name: string) => {
    for (const s of steps) if (s.status === "running") Object.assign(s, { status: "done", ms: Date.now() - started });
    const step = steps.find((s) => s.name === name);
    if (step) step.status = "running";
    started = Date.now();
    await ctx.save({ steps });
  };
  return {
    start: mark,
    done: async (name: string, ms?: number) => {
      const step = steps.find((s) => s.name === name);
      if (step) Object.assign(step, { status: "done", ms: ms ?? Date.now() - started });
      await ctx.save({ steps });
    },
    fail: async () => {
      for (const s of steps) if (s.status === "running") s.status = "failed";
      await ctx.save({ steps });
    },
    finish: async () => {
      for (const s of steps) if (s.status === "running") Object.assign(s, { status: "done", ms: Date.now() - started });
      await ctx.save({ steps });
    },
  };
}

/** Runs the provisioning pipeline with live step progress; a failed step is marked failed. */
async function provisionWithProgress(
  ctx: OperationContext,
  run: (hooks: Pick<ProvisionOptions, "onStep" | "onStepStart">) => Promise<{ tenantId: string }>,
) {
  const tracker = stepTracker(ctx, PROVISIONING_STEPS);
  try {
    const result = await run({
      onStepStart: (step) => tracker.start(step),
      onStep: async (step, ms) => {
        if (step === "reserve") await ctx.save({ reserved: true });
        await tracker.done(step, ms);
      },
    });
    ctx.setTenant(result.tenantId);
    return result;
  } catch (error) {
    await tracker.fail();
    throw error;
  }
}

/** One per kind; `satisfies` keeps each handler's own result type (the CLI prints from it). */
export const HANDLERS = {
  async provision(ctx) {
    const { deps, input } = ctx;
    const spec = parseTenantSpec(input.spec, "the new tenant");
    const draft = input.draftId
      ? await deps.control.tenantDraft.findUnique({ where: { id: input.draftId }, select: { logo: true } })
      : null;
    const logo = draft?.logo ? checkLogo(draft.logo) : undefined;
    // A restarted operation that had reserved its tenant resumes it instead of conflicting with itself.
    const resume = (ctx.progress.attempt ?? 1) > 1 && ctx.progress.reserved === true;
    const result = await provisionWithProgress(ctx, (hooks) =>
      provisionTenant(deps, spec, {
        ...hooks,
        mode: resume ? "resume" : "create",
        seed: false,
        firstAdmin: input.firstAdmin,
        ...(input.server ? { server: input.server } : {}),
        ...(logo ? { logo } : {}),
      }),
    );
    return { tenantId: result.tenantId, invited: input.firstAdmin.email };
  },

  async retry(ctx) {
    const slug = requireSlug(ctx);
    // The first admin comes from the operation that first tried to provision the tenant.
    const original = await ctx.deps.control.operation.findFirst({
      where: { kind: "provision", slug },
      orderBy: { createdAt: "desc" },
      select: { input: true },
    });
    const firstAdmin = (original?.input as { firstAdmin?: { name: string; email: string } } | undefined)?.firstAdmin;
    const result = await provisionWithProgress(ctx, (hooks) =>
      resumeProvisioning(ctx.deps, slug, { ...hooks, ...(firstAdmin ? { firstAdmin } : {}) }),
    );
    return { tenantId: result.tenantId };
  },

  async discard(ctx) {
    const { tenantId, dropped } = await discardTenant(ctx.deps, requireSlug(ctx));
    ctx.setTenant(tenantId);
    return { dropped };
  },

  async suspend(ctx) {
    const { tenantId, changed } = await setTenantSuspended(ctx.deps, requireSlug(ctx), true);
    ctx.setTenant(tenantId);
    return { changed };
  },

  async resume(ctx) {
    const { tenantId, changed } = await setTenantSuspended(ctx.deps, requireSlug(ctx), false);
    ctx.setTenant(tenantId);
    return { changed };
  },

  async rename(ctx) {
    const { tenantId, from, to } = await renameTenant(ctx.deps, requireSlug(ctx), ctx.input.name);
    ctx.setTenant(tenantId);
    return { from, to };
  },

  async "set-domains"(ctx) {
    if (!ctx.deps.invitations) throw new InvalidInput("the worker has no host configuration");
    const { tenantId, domains } = await setTenantDomains(
      ctx.deps,
      ctx.deps.invitations.hosts,
      requireSlug(ctx),
      ctx.input.domains,
    );
    ctx.setTenant(tenantId);
    return { domains };
  },

  async "migrate-fleet"(ctx) {
    let failed = 0;
    // Progress is saved at most every 250 ms and at the end, not once per tenant: over a
    // fleet a control-plane write per tenant would cost the migration much of its time.
    // Saves run one after another, so the last one written is the newest.
    let savedAt = 0;
    let saving: Promise<void> = Promise.resolve();
    const outcomes = await migrateFleet(ctx.deps, {
      concurrency: ctx.input.concurrency,
      ...(ctx.input.slugs ? { slugs: ctx.input.slugs } : {}),
      onStart: (total) => ctx.save({ total, done: 0, failed: 0 }),
      onResult: async (outcome, done, total) => {
        if (!outcome.ok) failed++;
        if (done < total && performance.now() - savedAt < 250) return;
        savedAt = performance.now();
        const progress = { done, failed };
        saving = saving.catch(() => {}).then(() => ctx.save(progress));
        await saving;
      },
    });
    return {
      migrated: outcomes.filter((o) => o.ok).map((o) => ({ slug: o.slug, applied: o.applied })),
      failed: outcomes.filter((o) => !o.ok).map((o) => ({ slug: o.slug, error: o.error })),
    };
  },

  async export(ctx) {
    const tracker = stepTracker(ctx, ["export"]);
    await tracker.start("export");
    await recordOperationInTrail(ctx.deps, requireSlug(ctx), ctx.actor, "agency.export", { what: "full export" });
    const exported = await exportTenant(ctx.deps, requireSlug(ctx), ctx.deps.exportsDir, ctx.actor.label);
    await tracker.finish();
    return {
      file: exported.file,
      bytes: exported.bytes,
      sha256: exported.sha256,
      tables: exported.manifest.tables.map(({ name, rows }) => ({ name, rows })),
    };
  },

  async offboard(ctx) {
    const tracker = stepTracker(ctx, ["export", "close", "drop", "forget"]);
    try {
      await recordOperationInTrail(ctx.deps, requireSlug(ctx), ctx.actor, "agency.offboard", {
        what: "full export, then the database is dropped",
      });
      const result = await offboardTenant(ctx.deps, requireSlug(ctx), {
        exportsDir: ctx.deps.exportsDir,
        by: ctx.actor.label,
        onStep: (s) => tracker.start(s),
      });
      await tracker.finish();
      ctx.setTenant(result.tenantId);
      return {
        file: result.export.file,
        bytes: result.export.bytes,
        sha256: result.export.sha256,
        dropped: result.dropped,
      };
    } catch (error) {
      await tracker.fail();
      throw error;
    }
  },

  async "set-branding"(ctx) {
    const { tenantId } = await setTenantBranding(ctx.deps, requireSlug(ctx), {
      name: ctx.input.name,
      theme: ctx.input.theme,
      logo: ctx.input.logo ? Buffer.from(ctx.input.logo, "base64") : null,
    });
    ctx.setTenant(tenantId);
    return { name: ctx.input.name, logo: Boolean(ctx.input.logo) };
  },

  async "agency-user-invite"(ctx) {
    await assertOwner(ctx.deps.control, ctx.actor.id ?? null);
    if (!ctx.deps.invitations) throw new InvalidInput("the worker has no mail configuration");
    return inviteAgencyUser(ctx.deps.control, ctx.deps.invitations, ctx.input, ctx.actor.label);
  },

  async "agency-user-role"(ctx) {
    await assertOwner(ctx.deps.control, ctx.actor.id ?? null);
    return changeAgencyUser(ctx.deps.control, ctx.input.userId, { role: ctx.input.role });
  },

  async "agency-user-deactivate"(ctx) {
    await assertOwner(ctx.deps.control, ctx.actor.id ?? null);
    return changeAgencyUser(ctx.deps.control, ctx.input.userId, { active: false });
  },

  async "agency-user-reactivate"(ctx) {
    await assertOwner(ctx.deps.control, ctx.actor.id ?? null);
    return changeAgencyUser(ctx.deps.control, ctx.input.userId, { active: true });
  },

  async "agency-user-sso-create"(ctx) {
    // The worker's own configuration decides, not the request that queued it.
    return createAgencyUserFromSso(ctx.deps.control, agencySsoConfig(loadEnv()), ctx.input);
  },

  async backup(ctx) {
    const tracker = stepTracker(ctx, ["backup"]);
    await tracker.start("backup");
    if (ctx.input.confirmRegion) await assertOwnerOrCli(ctx, "store a backup outside its tenant's region");
    await recordOperationInTrail(ctx.deps, requireSlug(ctx), ctx.actor, "agency.backup", {
      what: "a copy of every table, kept encrypted",
    });
    const result = await createBackup(backupDeps(ctx), requireSlug(ctx), {
      kind: "manual",
      by: ctx.actor.label,
      confirmRegion: ctx.input.confirmRegion,
      expiresAt: new Date(Date.now() + KEEP_UNSCHEDULED_MS),
    });
    await tracker.finish();
    ctx.setTenant(result.tenantId);
    return {
      backupId: result.id,
      location: result.location,
      bytes: result.bytes,
      sha256: result.sha256,
      tables: result.tables.length,
    };
  },

  async restore(ctx) {
    const deps = backupDeps(ctx);
    const { backupId, into, confirmCrossTenant, confirmRegion } = ctx.input;
    if (confirmRegion) await assertOwnerOrCli(ctx, "restore a backup across regions");
    if (!into && confirmCrossTenant) await assertOwnerOrCli(ctx, "restore one tenant's backup into another");
    // Access transparency (decision 048), before anything changes: the tenant whose backup is read
    // has an entry, and so does a tenant whose data another's backup replaces.
    const source = await ctx.deps.control.backup.findUnique({ where: { id: backupId }, select: { slug: true } });
    const target = into ?? requireSlug(ctx);
    if (source)
      await recordOperationInTrail(ctx.deps, source.slug, ctx.actor, "agency.restore", {
        backup: backupId,
        into: target,
      });
    if (into) {
      const restored = await restoreIntoNewTenant(deps, backupId, into);
      ctx.setTenant(restored.tenantId);
      await recordOperationInTrail(ctx.deps, into, ctx.actor, "agency.restore", {
        backup: backupId,
        from: restored.sourceSlug,
      });
      return {
        backupId,
        into,
        from: restored.sourceSlug,
        region: restored.region,
        rows: restored.rows,
        erasuresReapplied: restored.erasures.erased,
        ownersNotErased: restored.erasures.ownersLeft,
      };
    }
    if (source && source.slug !== target)
      await recordOperationInTrail(ctx.deps, target, ctx.actor, "agency.restore", {
        backup: backupId,
        from: source.slug,
      });
    const restored = await restoreInPlace(deps, target, backupId, {
      by: ctx.actor.label,
      confirmCrossTenant,
      confirmRegion,
    });
    ctx.setTenant(restored.tenantId);
    return {
      backupId,
      from: restored.from,
      crossTenant: restored.crossTenant,
      preRestoreBackupId: restored.preRestoreBackupId,
      rows: restored.rows,
      erasuresReapplied: restored.erasures.erased,
      ownersNotErased: restored.erasures.ownersLeft,
    };
  },

  async move(ctx) {
    const tracker = stepTracker(ctx, MOVE_STEPS);
    try {
      await recordOperationInTrail(ctx.deps, requireSlug(ctx), ctx.actor, "agency.move", { to: ctx.input.server });
      const { confirm } = ctx.input;
      const result = await moveTenant(ctx.deps, requireSlug(ctx), ctx.input.server, {
        onStep: (s) => tracker.start(s),
        // Only an agency user's own typed confirmation counts; its role is checked when it runs.
        regionConfirmation:
          confirm && ctx.actor.type === "agency-user" && ctx.actor.id
            ? { ...confirm, agencyUserId: ctx.actor.id }
            : null,
        actor: ctx.actor,
      });
      await tracker.finish();
      ctx.setTenant(result.tenantId);
      return { from: result.from, to: result.to, rows: result.rows, region: result.region };
    } catch (error) {
      await tracker.fail();
      throw error;
    }
  },
} satisfies { [K in OperationKind]: Handler<K> };

/** What a kind's handler returns: stored as the operation's result and in its audit entry. */
export type OperationResult<K extends OperationKind> = Exclude<Awaited<ReturnType<(typeof HANDLERS)[K]>>, void>;
