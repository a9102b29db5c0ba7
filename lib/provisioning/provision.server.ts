import "server-only";
import { markMailDue, tenantMailTarget } from "../platform/mail-queue.server.ts";
import { hashPassword } from "../auth/credentials.server.ts";
import { Prisma } from "../db/generated/control/client.ts";
import { ensureDatabase, ensureRole, openAdminSession, withClient } from "../db/postgres.ts";
import { generatePassword, seal, unseal } from "../db/keyring.server.ts";
import { SERVER_ADDRESS, buildTenantUrl, createTenantDb } from "../db/tenant-db.server.ts";
import { syncPoolerAuth } from "./pooler.server.ts";
import { InvalidInput, ProvisioningStepFailed, TenantConflict, errorMessage } from "../util/errors.ts";
import { loadMigrations, migrate, migrationsDir } from "../migrations/migrator.ts";
import { tenantSubdomainHost } from "../tenancy/host.ts";
import { tenantsChangedStatement } from "../tenancy/invalidation.server.ts";
import type { CheckedLogo } from "../tenancy/logo.ts";
import { tenantDatabaseName, tenantRoleName } from "../tenancy/slug.ts";
import { inviteFirstAdmin, type FirstAdmin } from "./invite.server.ts";
import { placeTenant, type ProvisionDeps } from "./servers.server.ts";
import { assertRegion, regionConfig } from "../tenancy/regions.ts";
import { claimSpare, cloneTenantDatabase, type CloneResult } from "./template.server.ts";
import {
  DECLARED_FIELDS,
  domainsValue,
  fieldValues,
  readDeclaredState,
  reconcile,
  type DeclaredField,
} from "./declared.ts";
import type { TenantSpec } from "./spec.ts";
import type { Theme } from "../tenancy/theme.ts";

/**
 * Provisioning as a named, ordered list of idempotent steps (decisions 008, 015, 059). Every step
 * can run again after a crash; the tenant stays `provisioning` (invisible to visitors) until
 * `activate`. Every step run is recorded (ProvisioningJob, ProvisioningStepRun).
 */
export const PROVISIONING_STEPS = [
  "reserve",
  "create-role",
  "create-database",
  "migrate",
  "seed",
  "invite",
  "activate",
] as const;
export type ProvisioningStep = (typeof PROVISIONING_STEPS)[number];

export interface ProvisionOptions {
  /**
   * "create" refuses any existing tenant (a double submit gets a conflict); "resume" continues a
   * tenant that never went live; "sync" creates or updates a tenant from its declaration.
   */
  mode: "create" | "resume" | "sync";
  server?: string;
  seed?: boolean;
  onStep?: (step: ProvisioningStep, elapsedMs: number) => void | Promise<void>;
  onStepStart?: (step: ProvisioningStep) => void | Promise<void>;
  /** The tenant's first admin, invited by email with a single-use link (needs deps.invitations). */
  firstAdmin?: FirstAdmin;
  /** An uploaded logo (lib/tenancy/logo.ts), stored in the control plane and used by the theme. */
  logo?: CheckedLogo;
  /**
   * Test hook, run after a step has been recorded as done. Whatever it throws propagates without
   * being recorded, exactly as if the process had been killed there.
   */
  interruptAfter?: (step: ProvisioningStep) => void;
  /** Clone the server's pre-migrated template (default) rather than migrate from empty. */
  template?: boolean;
  /**
   * Sync only: where the declaration comes from (shown in messages and on the dashboard), and
   * whether to re-apply it over fields changed in the product (decision 020).
   */
  declaration?: { file: string; force?: boolean };
}

/** What a sync did to a declared tenant's fields (decision 020). */
export interface DeclarationOutcome {
  /** Fields written with the declared value. */
  applied: DeclaredField[];
  /** Fields changed in the product and kept. */
  kept: DeclaredField[];
  /** Fields changed in the product that a forced sync overwrote, with the value they had. */
  overwritten: Array<{ field: DeclaredField; from: unknown; to: unknown }>;
  /**
   * The declaration names another region than the tenant is in: reported, never applied, also
   * not by --force; only a move an agency owner confirms changes a region (decision 053).
   */
  regionConflict?: { declared: string; stored: string };
}

export interface ProvisionResult {
  tenantId: string;
  created: boolean;
  migrationsApplied: string[];
  /** Set in sync mode. */
  declaration?: DeclarationOutcome;
}

export async function provisionTenant(
  deps: ProvisionDeps,
  spec: TenantSpec,
  options: ProvisionOptions,
): Promise<ProvisionResult> {
  const { control } = deps;
  if (options.firstAdmin && !deps.invitations)
    throw new InvalidInput("a first admin can only be invited where mail is configured (deps.invitations)");
  const reserveStarted = new Date();
  await options.onStepStart?.("reserve");
  let reserved: Awaited<ReturnType<typeof reserve>>;
  try {
    reserved = await reserve(deps, spec, options);
  } catch (error) {
    if (error instanceof TenantConflict) throw error;
    throw new ProvisioningStepFailed("reserve", errorMessage(error), { cause: error });
  }
  const { tenantId, created, wasLive, database: db } = reserved;
  let declaration = reserved.declaration;
  if (declaration && !created && spec.region !== undefined) {
    const stored = (await control.tenant.findUniqueOrThrow({ where: { id: tenantId }, select: { region: true } }))
      .region;
    if (stored !== spec.region) declaration = { ...declaration, regionConflict: { declared: spec.region, stored } };
  }
  // The job and its step records are written while the next steps run, not before them; all are
  // awaited before the pipeline returns or fails (and before the test hook simulates a kill).
  const jobCreated = control.provisioningJob.create({
    data: {
      tenantId,
      steps: { create: { name: "reserve", status: "succeeded", startedAt: reserveStarted, finishedAt: new Date() } },
    },
    select: { id: true },
  });
  const records: Array<Promise<unknown>> = [];
  // Marked handled at once (a write failing while later steps run must not crash the process);
  // the failure still surfaces where the records are awaited.
  const track = (write: Promise<unknown>) => {
    write.catch(() => {});
    records.push(write);
  };
  track(jobCreated);
  const record = (data: { name: string; status: "succeeded" | "failed"; startedAt: Date; error?: string }) =>
    track(
      jobCreated.then((job) =>
        control.provisioningStepRun.create({ data: { jobId: job.id, finishedAt: new Date(), ...data } }),
      ),
    );
  await options.onStep?.("reserve", Date.now() - reserveStarted.getTime());
  if (options.interruptAfter) {
    await Promise.all(records);
    options.interruptAfter("reserve");
  }

  const run = async <T>(name: ProvisioningStep, fn: () => Promise<T>): Promise<T> => {
    const startedAt = new Date();
    await options.onStepStart?.(name);
    let value: T;
    try {
      value = await fn();
    } catch (error) {
      const message = errorMessage(error).slice(0, 2_000);
      record({ name, status: "failed", startedAt, error: message });
      await Promise.allSettled(records);
      const job = await jobCreated;
      await control.provisioningJob.update({
        where: { id: job.id },
        data: { status: "failed", step: name, error: message, finishedAt: new Date() },
      });
      // A tenant that was never live is marked failed (Retry / Discard); a live one stays live.
      if (!wasLive)
        await control.tenant.updateMany({
          where: { id: tenantId, status: { in: ["provisioning", "failed"] } },
          data: { status: "failed" },
        });
      throw new ProvisioningStepFailed(name, message, { cause: error });
    }
    record({ name, status: "succeeded", startedAt });
    await options.onStep?.(name, Date.now() - startedAt.getTime());
    if (options.interruptAfter) {
      await Promise.all(records);
      options.interruptAfter(name);
    }
    return value;
  };

  const password = unseal({ ciphertext: db.passwordCiphertext, keyId: db.keyId }, deps.keyring);
  const server = await control.databaseServer.findUniqueOrThrow({
    where: { id: db.serverId },
    select: { ...SERVER_ADDRESS, adminUrlCiphertext: true, keyId: true },
  });
  // The role and database steps share an administrative session from a per-server pool (each
  // new connection costs a SCRAM handshake).
  const adminUrl = unseal({ ciphertext: server.adminUrlCiphertext, keyId: server.keyId }, deps.keyring);
  let clone: CloneResult | null = null;
  let session: Awaited<ReturnType<typeof openAdminSession>> | undefined;
  let failed = true;
  try {
    await run("create-role", async () => {
      session = await openAdminSession(adminUrl);
      // With a spare ready (decision 059), the role comes with its database: both are renamed.
      if (options.template !== false && (deps.spares ?? 0) > 0)
        clone = await claimSpare(adminUrl, session.client, db.databaseName, db.roleName, deps.spares ?? 0);
      await ensureRole(session.client, db.roleName, password);
    });
    await run("create-database", async () => {
      const admin = (session ??= await openAdminSession(adminUrl)).client;
      if (options.template !== false && !clone)
        clone = await cloneTenantDatabase(adminUrl, admin, db.databaseName, db.roleName);
      await ensureDatabase(admin, db.databaseName, db.roleName);
    });
    failed = false;
  } finally {
    (session as Awaited<ReturnType<typeof openAdminSession>> | undefined)?.release(failed);
  }
  const url = buildTenantUrl(server, db, password);
  const migrated = await run("migrate", async () => {
    // A clone checked complete on its handover connection needs no second connection here.
    const current = (clone as CloneResult | null)?.current ?? null;
    const result = current
      ? { applied: [] as string[], version: current }
      : await withClient(url, async (client) => migrate(client, await loadMigrations(migrationsDir("tenant"))));
    await control.tenantDatabase.update({
      where: { tenantId },
      data: { schemaVersion: result.version, migratedAt: new Date(), migrationError: null },
    });
    return result;
  });
  await run("seed", () => (options.seed === false ? Promise.resolve() : seedDemo(url, spec)));
  await run("invite", async () => {
    const { firstAdmin } = options;
    const invitations = deps.invitations;
    if (!firstAdmin || !invitations) return;
    const primaryHost = spec.domains[0] ?? tenantSubdomainHost(spec.slug, invitations.hosts);
    await markMailDue(control, tenantMailTarget(tenantId));
    await inviteFirstAdmin(
      url,
      { id: tenantId, name: spec.name, primaryHost, theme: spec.theme },
      firstAdmin,
      invitations,
    );
  });
  await run("activate", async () => {
    // Through a pooler, the role must be in its auth file before the first request arrives.
    await syncPoolerAuth(deps, db.serverId);
    // One transaction: instances that cached the tenant while it was not yet live hear of it
    // when it commits, and see it at once.
    await control.$transaction([
      control.tenant.updateMany({
        where: { id: tenantId, status: { in: ["provisioning", "failed"] } },
        data: { status: "active" },
      }),
      tenantsChangedStatement(control, [tenantId]),
    ]);
  });
  await Promise.all(records);
  await control.provisioningJob.update({
    where: { id: (await jobCreated).id },
    data: { status: "succeeded", step: null, finishedAt: new Date() },
  });
  return { tenantId, created, migrationsApplied: migrated.applied, ...(declaration ? { declaration } : {}) };
}

async function reserve(deps: ProvisionDeps, spec: TenantSpec, options: ProvisionOptions) {
  const { control } = deps;
  const existing = await control.tenant.findUnique({ where: { slug: spec.slug }, include: { database: true } });
  type Placed = { serverId: string; databaseName: string; roleName: string; passwordCiphertext: string; keyId: string };
  if (existing && options.mode === "create") {
    throw new TenantConflict(
      existing.status === "provisioning" || existing.status === "failed"
        ? `a tenant with the slug "${spec.slug}" is already being provisioned (${existing.status}); retry or discard it instead`
        : `a tenant with the slug "${spec.slug}" already exists; choose another slug`,
    );
  }
  if (existing?.status === "offboarded") {
    throw new TenantConflict(
      `"${spec.slug}" was offboarded; its slug stays reserved for the audit trail, so choose another slug`,
    );
  }
  if (
    options.mode === "resume" &&
    (!existing || (existing.status !== "provisioning" && existing.status !== "failed"))
  ) {
    throw new TenantConflict(`"${spec.slug}" is not waiting to be provisioned`);
  }
  const checkDomainsFree = async () => {
    if (spec.domains.length === 0) return;
    const taken = await control.domain.findMany({
      where: { hostname: { in: spec.domains }, tenant: { slug: { not: spec.slug } } },
      select: { hostname: true },
    });
    if (taken.length > 0) {
      throw new TenantConflict(`domain ${taken.map((d) => d.hostname).join(", ")} already belongs to another tenant`);
    }
  };

  const theme = options.logo ? { ...spec.theme, logo: { ...spec.theme.logo, src: options.logo.src } } : spec.theme;
  const logo = options.logo
    ? { sha256: options.logo.sha256, contentType: options.logo.contentType, bytes: new Uint8Array(options.logo.bytes) }
    : null;
  // Data residency (decision 053): a new tenant is placed in its declared region (else the
  // default one); an existing tenant stays in its own, whatever the spec says.
  const region = existing ? existing.region : assertRegion(spec.region ?? regionConfig().defaultRegion);
  const database = async () => {
    const server = await placeTenant(deps, options.server, region);
    const sealed = seal(generatePassword(), deps.keyring);
    return {
      serverId: server.id,
      databaseName: tenantDatabaseName(spec.slug),
      roleName: tenantRoleName(spec.slug),
      passwordCiphertext: sealed.ciphertext,
      keyId: sealed.keyId,
    };
  };
  const declaredValues = fieldValues({ name: spec.name, plan: spec.plan, theme, domains: domainsValue(spec.domains) });
  const file = options.declaration?.file ?? `tenants/${spec.slug}.ts`;
  try {
    if (!existing) {
      await checkDomainsFree();
      const declared =
        options.mode === "sync"
          ? reconcile(declaredValues, declaredValues, null, { file, force: false }).state
          : undefined;
      // A new tenant, its domains, placement, credentials and logo: one request.
      const tenant = await control.tenant.create({
        data: {
          slug: spec.slug,
          name: spec.name,
          plan: spec.plan,
          region,
          theme,
          status: "provisioning",
          ...(declared ? { declared: declared as object } : {}),
          domains: { create: spec.domains.map((hostname, i) => ({ hostname, isPrimary: i === 0 })) },
          database: { create: await database() },
          ...(logo ? { logo: { create: logo } } : {}),
        },
        select: { id: true, database: true },
      });
      const declaration = declared ? { applied: [...DECLARED_FIELDS], kept: [], overwritten: [] } : undefined;
      return { tenantId: tenant.id, created: true, wasLive: false, database: tenant.database as Placed, declaration };
    }
    const wasLive = existing.status === "active" || existing.status === "suspended";
    if (options.mode === "sync" && wasLive)
      return await syncLiveTenant(
        deps,
        existing,
        spec,
        theme,
        declaredValues,
        { file, force: options.declaration?.force ?? false },
        checkDomainsFree,
      );
    await checkDomainsFree();
    const declared =
      options.mode === "sync"
        ? reconcile(declaredValues, declaredValues, null, { file, force: false }).state
        : undefined;
    const tenant = await control.tenant.update({
      where: { id: existing.id },
      data: { name: spec.name, plan: spec.plan, theme, ...(declared ? { declared: declared as object } : {}) },
    });
    if (logo)
      await control.tenantLogo.upsert({
        where: { tenantId: tenant.id },
        create: { tenantId: tenant.id, ...logo },
        update: logo,
      });
    await control.$transaction([
      control.domain.deleteMany({ where: { tenantId: tenant.id, hostname: { notIn: spec.domains } } }),
      ...spec.domains.map((hostname, i) =>
        control.domain.upsert({
          where: { hostname },
          create: { tenantId: tenant.id, hostname, isPrimary: i === 0 },
          update: { isPrimary: i === 0 },
        }),
      ),
    ]);
    const placed: Placed =
      existing.database ??
      (await control.tenantDatabase.create({ data: { tenantId: tenant.id, ...(await database()) } }));
    const declaration = declared ? { applied: [...DECLARED_FIELDS], kept: [], overwritten: [] } : undefined;
    return { tenantId: tenant.id, created: false, wasLive, database: placed, declaration };
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
      throw new TenantConflict(
        `the slug "${spec.slug}" or one of its domains was just taken by another request; choose another`,
      );
    }
    throw error;
  }
}

type ExistingTenant = NonNullable<Awaited<ReturnType<ProvisionDeps["control"]["tenant"]["findUnique"]>>> & {
  database: {
    serverId: string;
    databaseName: string;
    roleName: string;
    passwordCiphertext: string;
    keyId: string;
  } | null;
};

/**
 * A live declared tenant: only fields that still follow the declaration are written; a field
 * changed in the product since is kept (and reported), unless forced (decision 020).
 */
async function syncLiveTenant(
  deps: ProvisionDeps,
  existing: ExistingTenant,
  spec: TenantSpec,
  theme: Theme,
  declaredValues: ReturnType<typeof fieldValues>,
  options: { file: string; force: boolean },
  checkDomainsFree: () => Promise<void>,
) {
  const { control } = deps;
  const database = existing.database;
  if (!database) throw new InvalidInput(`${spec.slug} is live but has no database registered`);
  const domains = await control.domain.findMany({
    where: { tenantId: existing.id },
    select: { hostname: true, isPrimary: true },
  });
  const currentTheme = (existing.theme ?? {}) as Partial<Theme>;
  const current = fieldValues({
    name: existing.name,
    plan: existing.plan,
    theme: currentTheme,
    domains: domainsValue(
      domains.map((d) => d.hostname),
      domains.find((d) => d.isPrimary)?.hostname ?? null,
    ),
  });
  const decided = reconcile(current, declaredValues, readDeclaredState(existing.declared), options);
  const apply = new Set(decided.apply);
  // A declaration naming another tenant's domain is refused even when its domains are kept.
  await checkDomainsFree();
  const nextTheme: Record<string, unknown> = { ...currentTheme };
  for (const key of ["primary", "accent", "background", "surface", "text", "font", "logo"] as const)
    if (apply.has(key)) nextTheme[key] = theme[key];
  await control.$transaction([
    control.tenant.update({
      where: { id: existing.id },
      data: {
        ...(apply.has("name") ? { name: spec.name } : {}),
        ...(apply.has("plan") ? { plan: spec.plan } : {}),
        theme: nextTheme as object,
        declared: decided.state as object,
      },
    }),
    ...(apply.has("domains")
      ? [
          control.domain.deleteMany({ where: { tenantId: existing.id, hostname: { notIn: spec.domains } } }),
          ...spec.domains.map((hostname, i) =>
            control.domain.upsert({
              where: { hostname },
              create: { tenantId: existing.id, hostname, isPrimary: i === 0 },
              update: { isPrimary: i === 0 },
            }),
          ),
        ]
      : []),
    ...(decided.apply.length > 0 ? [tenantsChangedStatement(control, [existing.id])] : []),
  ]);
  const declaration: DeclarationOutcome = {
    applied: decided.apply,
    kept: decided.kept,
    overwritten: decided.overwritten.map((field) => ({ field, from: current[field], to: declaredValues[field] })),
  };
  return { tenantId: existing.id, created: false, wasLive: true, database, declaration };
}

/** Demo content from the tenant's declaration, written with the tenant's own role. Idempotent. */
async function seedDemo(url: string, spec: TenantSpec): Promise<void> {
  const { users, events } = spec.demo;
  if (users.length === 0 && events.length === 0) return;
  const pooled = createTenantDb(url, `seed:${spec.slug}`, { poolSize: 1, idleMs: 1_000, connectTimeoutMs: 5_000 });
  try {
    const db = pooled.client;
    const today = new Date();
    today.setUTCHours(0, 0, 0, 0);
    for (const { password, ...user } of users) {
      const passwordHash = password ? await hashPassword(password) : null;
      await db.user.upsert({ where: { email: user.email }, create: { ...user, passwordHash }, update: {} });
    }
    for (const event of events) {
      const startsAt = new Date(today.getTime() + event.startsInDays * 86_400_000 + event.startHourUtc * 3_600_000);
      const endsAt = new Date(startsAt.getTime() + event.durationHours * 3_600_000);
      const data = {
        slug: event.slug,
        title: event.title,
        summary: event.summary,
        description: event.description,
        startsAt,
        endsAt,
        timeZone: event.timeZone,
        venue: event.venue,
        capacity: event.capacity,
        status: event.status,
      };
      await db.event.upsert({ where: { slug: event.slug }, create: data, update: {} });
    }
  } finally {
    await pooled.close();
  }
}
