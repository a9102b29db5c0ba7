/**
 * npm run tenants -- <command> [arguments]
 *
 * Every command, its arguments and what it does are in COMMANDS below; `npm run tenants -- help`
 * prints them. Commands that are agency actions (suspend, rename, move…) run the operations
 * worker's own handlers in this process (lib/operations/runner.server.ts), so they report the
 * same progress and leave the same operation and audit trail as when queued from the dashboard.
 *
 * Exit codes: 0 success, 1 an operation failed (e.g. a tenant's migration), 2 bad usage or config.
 */
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { TENANT_ROW_INCLUDE, tenantRow } from "../lib/agency/tenant-row.ts";
import { appendAudit, type AuditActor } from "../lib/audit/log.server.ts";
import { bootstrap, type Bootstrapped } from "../lib/bootstrap/bootstrap.server.ts";
import { hostConfig } from "../lib/config/env.server.ts";
import { importTenant } from "../lib/lifecycle/archive.server.ts";
import { runRetention } from "../lib/lifecycle/retention.server.ts";
import { listBackups } from "../lib/backups/backups.server.ts";
import { backupLocationsFromEnv } from "../lib/backups/locations.server.ts";
import { rotateTenantCredentials } from "../lib/lifecycle/role-credentials.server.ts";
import { createTenantDb, tenantRequestConnection } from "../lib/db/tenant-db.server.ts";
import { loadMigrations, migrationsDir } from "../lib/migrations/migrator.ts";
import type { OperationResult, WorkerDeps } from "../lib/operations/handlers.server.ts";
import { checkOperationInput, type OperationKind, type OperationProgress } from "../lib/operations/kinds.ts";
import { runOperation } from "../lib/operations/runner.server.ts";
import { invitationsFor } from "../lib/operations/start.server.ts";
import { PROVISIONING_STEPS, provisionTenant } from "../lib/provisioning/provision.server.ts";
import { addServer } from "../lib/provisioning/servers.server.ts";
import { setServerPooler, type PoolerConfig } from "../lib/provisioning/pooler.server.ts";
import { parseTenantSpec } from "../lib/provisioning/spec.ts";
import { describeOutcome, syncTenants } from "../lib/provisioning/sync.server.ts";
import { tenantSubdomainHost } from "../lib/tenancy/host.ts";
import { SLUG_MAX_LENGTH, SLUG_PATTERN } from "../lib/tenancy/slug.ts";
import { FALLBACK_THEME, readableOn } from "../lib/tenancy/theme.ts";
import { regionConfig } from "../lib/tenancy/regions.ts";
import { InvalidInput } from "../lib/util/errors.ts";
import { declaredTenants } from "../tenants/index.ts";
import { EXIT, fail, tty } from "./lib/cli.ts";

const green = (s: string) => (tty ? `\x1b[32m${s}\x1b[0m` : s);
const red = (s: string) => (tty ? `\x1b[31m${s}\x1b[0m` : s);
const dim = (s: string) => (tty ? `\x1b[2m${s}\x1b[0m` : s);

const actor: AuditActor = { type: "cli", label: `cli:${os.userInfo().username}` };

/** What a command does once its arguments are checked: an exit code, or work that needs the platform. */
type Run = number | ((p: Bootstrapped) => Promise<number>);

interface Command {
  name: string;
  /** Argument syntax, as printed in the usage. */
  args: string;
  /** One line: what the command does. */
  help: string;
  /** Further lines of explanation under it. */
  more?: string[];
  /** The operation kind it runs, for commands that are agency actions. */
  kind?: OperationKind;
  /** Checks the arguments before anything connects to a database (security case 14). */
  parse(args: string[], bad: (message: string) => InvalidInput): Run;
}

// ── helpers for parsing ───────────────────────────────────────────────────────────────────────

function options<O extends Record<string, { type: "string" | "boolean"; multiple?: boolean }>>(
  args: string[],
  opts: O,
) {
  return parseArgs({ args, allowPositionals: true, options: opts });
}

/** Names what is missing, e.g. "rename needs the new name", or refuses extra arguments. */
function positionalsOf(
  name: string,
  bad: (message: string) => InvalidInput,
  given: string[],
  wanted: string[],
  rest = false,
): string[] {
  if (given.length < wanted.length) throw bad(`${name} needs ${wanted.slice(given.length).join(" and ")}`);
  if (!rest && given.length > wanted.length)
    throw bad(`${name} takes ${wanted.join(" and ")}, not also ${given.slice(wanted.length).join(" ")}`);
  return given;
}

/** Prints what a command did; its exit code is then 0. */
function say(line: string): number {
  console.log(line);
  return EXIT.ok;
}

/** A tenant's slug as typed: one that cannot exist is refused before it is looked up or recorded. */
function slugArg(value: string): string {
  if (value.length > SLUG_MAX_LENGTH || !SLUG_PATTERN.test(value)) {
    throw new InvalidInput(
      `"${value.slice(0, 60)}" is not a tenant slug (lower-case letters a–z, digits and single hyphens, at most ${SLUG_MAX_LENGTH} characters); see \`npm run tenants -- list\``,
    );
  }
  return value;
}

// ── operations: the worker's handlers, run here ───────────────────────────────────────────────

function invitations(p: Bootstrapped) {
  return invitationsFor(p, {
    scheme: p.env.PORTICO_PUBLIC_SCHEME,
    ...(p.env.PORTICO_PUBLIC_PORT ? { port: p.env.PORTICO_PUBLIC_PORT } : {}),
  });
}

function progressBar(done: number, total: number, width = 24): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${"█".repeat(filled)}${"░".repeat(width - filled)}] ${done}/${total}`;
}

/** Prints an operation's progress as the dashboard shows it: steps as they finish, counts as a bar. */
function progressPrinter() {
  const shown = new Map<string, string>();
  let lastBar = "";
  let open = false; // a terminal line written without its newline, rewritten in place
  const close = () => {
    if (open) process.stdout.write("\r\x1b[2K");
    open = false;
  };
  const inPlace = (text: string) => {
    close();
    process.stdout.write(text);
    open = true;
  };
  return {
    update(progress: OperationProgress) {
      for (const step of progress.steps ?? []) {
        if (shown.get(step.name) === step.status) continue;
        shown.set(step.name, step.status);
        if (step.status === "done") {
          close();
          console.log(`  ${green("✓")} ${step.name.padEnd(16)} ${dim(`${Math.round(step.ms ?? 0)} ms`)}`);
        } else if (step.status === "failed") {
          close();
          console.log(`  ${red("✗")} ${step.name}`);
        } else if (step.status === "running" && tty) {
          inPlace(`  … ${step.name}`);
        }
      }
      if (progress.total !== undefined) {
        const bar = `${progressBar(progress.done ?? 0, progress.total)}${progress.failed ? ` ${red(`${progress.failed} failed`)}` : ""}`;
        if (bar === lastBar) return;
        lastBar = bar;
        if (tty) inPlace(bar);
        else console.log(bar);
      }
    },
    end: close,
  };
}

interface Parsed {
  slug: string | null;
  input: unknown;
  /** Where an export is written instead of the configured exports folder (`--out`). */
  exportsDir?: string;
}

interface Finished<K extends OperationKind> {
  slug: string | null;
  deps: WorkerDeps;
  ms: number;
  result: OperationResult<K>;
}

/** A command that is an agency action: parsed here, then run by the worker's handler for `kind`. */
function operation<K extends OperationKind>(command: {
  name: string;
  args: string;
  help: string;
  more?: string[];
  kind: K;
  parse(args: string[], bad: (message: string) => InvalidInput): Parsed;
  /** Checks that need the database, made before the operation is run or recorded. */
  check?(p: Bootstrapped, parsed: Parsed): Promise<void>;
  /** Prints the outcome; returns the exit code. */
  report(done: Finished<K>): number;
}): Command {
  return {
    ...command,
    parse(args, bad) {
      const parsed = command.parse(args, bad);
      const input = checkOperationInput(command.kind, parsed.input);
      return async (p) => {
        await command.check?.(p, parsed);
        const deps: WorkerDeps = {
          ...p.deps,
          exportsDir: parsed.exportsDir ?? p.exportsDir,
          invitations: invitations(p),
          backups: backupLocationsFromEnv(p.env, p.backupsDir),
        };
        const printer = progressPrinter();
        const t0 = performance.now();
        const outcome = await runOperation(deps, command.kind, input, {
          actor,
          slug: parsed.slug,
          onProgress: (progress) => printer.update(progress),
        });
        printer.end();
        if (!outcome.ok) throw outcome.error;
        return command.report({ slug: parsed.slug, deps, ms: performance.now() - t0, result: outcome.result });
      };
    },
  };
}

/** One slug and nothing else: suspend, resume, retry, discard. */
function oneSlug(name: string) {
  return (args: string[], bad: (message: string) => InvalidInput): Parsed => {
    const [slug] = positionalsOf(name, bad, options(args, {}).positionals, ["a slug"]) as [string];
    return { slug: slugArg(slug), input: {} };
  };
}

// ── commands that are not operations ──────────────────────────────────────────────────────────

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

async function list(p: Bootstrapped, json: boolean): Promise<number> {
  const latest = (await loadMigrations(migrationsDir("tenant"))).at(-1)?.name ?? null;
  const tenants = await p.deps.control.tenant.findMany({
    orderBy: { slug: "asc" },
    include: { ...TENANT_ROW_INCLUDE, jobs: { orderBy: { startedAt: "desc" }, take: 1 } },
  });
  const hosts = hostConfig(p.env);
  const rows = tenants.map((t) => {
    const { slug, name, status, region, hosts: addresses, server, schemaVersion, migrationError } = tenantRow(t, hosts);
    return {
      slug,
      name,
      status,
      hosts: addresses,
      region,
      server,
      schemaVersion,
      schema: !schemaVersion ? "unmigrated" : schemaVersion === latest ? "current" : "behind",
      migrationError,
      failure: status === "failed" && t.jobs[0] ? `${t.jobs[0].step}: ${t.jobs[0].error ?? ""}`.slice(0, 120) : null,
    };
  });
  if (json) {
    console.log(JSON.stringify(rows, null, 2));
    return EXIT.ok;
  }
  if (rows.length === 0) {
    console.log("no tenants yet: `npm run tenants -- sync` provisions the ones declared in tenants/");
    return EXIT.ok;
  }
  console.log(
    table([
      ["SLUG", "STATUS", "NAME", "HOSTS", "REGION", "SERVER", "SCHEMA"],
      ...rows.map((r) => [
        r.slug,
        r.status,
        r.name,
        r.hosts.join(", "),
        r.region,
        r.server ?? "-",
        r.schema + (r.migrationError ? " (last migration failed)" : ""),
      ]),
    ]),
  );
  for (const r of rows)
    if (r.failure)
      console.log(
        red(`${r.slug} failed at ${r.failure} — \`npm run tenants -- retry ${r.slug}\` or \`discard ${r.slug}\``),
      );
  console.log(dim(`${rows.length} tenant(s); latest tenant migration: ${latest ?? "none"}`));
  return EXIT.ok;
}

function parseCreate(args: string[], bad: (message: string) => InvalidInput) {
  const { values, positionals } = options(args, {
    name: { type: "string" },
    domain: { type: "string", multiple: true },
    primary: { type: "string" },
    accent: { type: "string" },
    font: { type: "string" },
    server: { type: "string" },
    plan: { type: "string" },
    region: { type: "string" },
  });
  const [slug, ...extra] = positionals;
  if (!slug || extra.length > 0 || typeof values.name !== "string")
    throw bad("create needs exactly one slug and --name");
  const name = values.name;
  const primary = typeof values.primary === "string" ? values.primary : FALLBACK_THEME.primary;
  const spec = parseTenantSpec(
    {
      slug,
      name,
      ...(values.plan ? { plan: values.plan } : {}),
      ...(values.region ? { region: values.region } : {}),
      domains: values.domain ?? [],
      theme: {
        ...FALLBACK_THEME,
        primary,
        accent: values.accent ?? FALLBACK_THEME.accent,
        font: values.font ?? FALLBACK_THEME.font,
        text: readableOn(primary) === "#ffffff" ? FALLBACK_THEME.text : "#111827",
        logo: { src: "/brand/portico.svg", alt: name },
      },
    },
    "the new tenant",
  );
  return { spec, server: typeof values.server === "string" ? values.server : undefined };
}

/**
 * Not the `provision` operation: that one invites a first admin by email and seeds nothing,
 * while this seeds the demo content and invites no one.
 */
async function create(p: Bootstrapped, { spec, server }: ReturnType<typeof parseCreate>): Promise<number> {
  console.log(`provisioning ${spec.slug}…`);
  const t0 = performance.now();
  const { tenantId } = await provisionTenant(p.deps, spec, {
    mode: "create",
    server,
    onStep: (step, ms) => console.log(`  ${green("✓")} ${step.padEnd(16)} ${dim(`${Math.round(ms)} ms`)}`),
  });
  await appendAudit(p.deps.control, {
    actor,
    action: "tenant.create",
    tenantId,
    details: { slug: spec.slug, name: spec.name, domains: spec.domains, server: server ?? "auto" },
  });
  console.log(
    `${green("created")} ${spec.slug} in ${Math.round(performance.now() - t0)} ms (${PROVISIONING_STEPS.length} steps) → http://${tenantSubdomainHost(spec.slug, hostConfig(p.env))}:${process.env.PORT ?? 3000}`,
  );
  return EXIT.ok;
}

async function sync(p: Bootstrapped, flags: { force: boolean; demo: boolean }): Promise<number> {
  const outcomes = await syncTenants({ ...p.deps, invitations: invitations(p) }, declaredTenants, {
    ...flags,
    actor,
    onOutcome: (o) =>
      console.log(`${o.action === "failed" ? red("✗") : o.kept?.length ? "!" : green("✓")} ${describeOutcome(o)}`),
  });
  await appendAudit(p.deps.control, {
    actor,
    action: "tenant.sync",
    details: {
      ...flags,
      outcomes: outcomes.map(({ slug, action, error, kept, overwritten }) => ({
        slug,
        action,
        error,
        kept,
        overwritten,
      })),
    },
  });
  return outcomes.some((o) => o.action === "failed") ? EXIT.failed : EXIT.ok;
}

async function rotateCredentials(p: Bootstrapped, slugs: string[] | undefined): Promise<number> {
  const outcomes = await rotateTenantCredentials(p.deps, slugs);
  if (slugs && outcomes.length !== slugs.length)
    throw new InvalidInput(`no tenant named ${slugs.filter((s) => !outcomes.some((o) => o.slug === s)).join(", ")}`);
  for (const o of outcomes) {
    console.log(
      o.ok
        ? `${green("✓")} ${o.slug} new role password${o.reassigned ? `; ${o.reassigned} object(s) given to the tenant role` : ""}`
        : `${red("✗")} ${o.slug} ${o.error}`,
    );
  }
  await appendAudit(p.deps.control, { actor, action: "tenant.rotate-credentials", details: { outcomes } });
  return outcomes.every((o) => o.ok) ? EXIT.ok : EXIT.failed;
}

async function importArchive(
  p: Bootstrapped,
  archive: string,
  slug: string,
  name: string | undefined,
): Promise<number> {
  const r = await importTenant(p.deps, path.resolve(archive), slug, name);
  await appendAudit(p.deps.control, {
    actor,
    action: "tenant.import",
    tenantId: r.tenantId,
    details: { slug, archive: path.basename(archive), rows: r.rows },
  });
  for (const [name, rows] of Object.entries(r.rows))
    console.log(`  ${name.padEnd(20)} ${String(rows).padStart(8)} row(s) restored`);
  console.log(`${green("✓")} imported into ${slug}`);
  return EXIT.ok;
}

async function serverPooler(p: Bootstrapped, name: string, config: PoolerConfig | null): Promise<number> {
  const result = await setServerPooler(p.deps, name, config);
  await appendAudit(p.deps.control, {
    actor,
    action: "server.pooler",
    details: { name, pooler: result.address, roles: result.roles },
  });
  return say(
    result.address
      ? `${green("✓")} tenants on ${name} now connect through PgBouncer at ${result.address} (${result.roles} role(s) in ${config!.authFile}); migrations, moves and exports stay direct`
      : `${green("✓")} tenants on ${name} now connect to it directly`,
  );
}

async function servers(
  p: Bootstrapped,
  add: { name: string; url: string; region: string | undefined } | null,
): Promise<number> {
  if (add) {
    const registered = await addServer(p.deps, add.name, add.url, add.region);
    const region = add.region ?? regionConfig().defaultRegion;
    await appendAudit(p.deps.control, {
      actor,
      action: "server.register",
      details: { name: add.name, address: `${registered.host}:${registered.port}`, region },
    });
    console.log(
      `${green("✓")} server ${add.name} (${registered.host}:${registered.port}) registered in region ${region}; new tenants of that region may be placed on it`,
    );
    return EXIT.ok;
  }
  const rows = await p.deps.control.databaseServer.findMany({
    orderBy: { name: "asc" },
    select: {
      name: true,
      host: true,
      port: true,
      sslMode: true,
      poolerUrl: true,
      region: true,
      _count: { select: { databases: true } },
    },
  });
  console.log(
    table([
      ["SERVER", "ADDRESS", "TENANTS", "TLS", "POOLER", "REGION"],
      ...rows.map((s) => [
        s.name,
        `${s.host}:${s.port}`,
        String(s._count.databases),
        s.sslMode ?? "off",
        s.poolerUrl ? new URL(s.poolerUrl).host : "-",
        s.region,
      ]),
    ]),
  );
  return EXIT.ok;
}

/** `retention run`: each live tenant's database with its own role, opened for its run and closed after. */
async function retention(p: Bootstrapped, opts: { slug?: string; dryRun: boolean }): Promise<number> {
  const { control, keyring } = p.deps;
  const outcomes = await runRetention(
    {
      control,
      async withTenant(tenantId, fn) {
        const { url } = await tenantRequestConnection(control, keyring, tenantId);
        const pooled = createTenantDb(url, `cli retention ${tenantId}`, {
          poolSize: 2,
          idleMs: 5_000,
          connectTimeoutMs: 5_000,
        });
        try {
          return await fn(pooled.client);
        } finally {
          await pooled.close();
        }
      },
    },
    { ...opts, concurrency: 2 },
  );
  const verb = opts.dryRun ? "would" : "did";
  for (const o of outcomes) {
    if (o.error) console.log(`${red("✗")} ${o.slug} ${o.error}`);
    else if (o.counts)
      console.log(
        `${green("✓")} ${o.slug} ${verb}: anonymise ${o.counts.registrations} registration(s), clear ${o.counts.attendeeDetails} answer set(s), delete ${o.counts.messages} message(s) and ${o.counts.auditEntries} audit entry(ies)`,
      );
  }
  const failed = outcomes.filter((o) => o.error).length;
  console.log(
    dim(
      `${outcomes.length} tenant(s)${opts.dryRun ? ", dry run: nothing changed" : ""}${failed ? `; ${failed} unreachable` : ""}`,
    ),
  );
  return failed ? EXIT.failed : EXIT.ok;
}

// ── the command table: parsing, dispatch and the usage all come from it ───────────────────────

async function showBackups(p: Bootstrapped, slug: string): Promise<number> {
  const tenant = await p.deps.control.tenant.findUnique({ where: { slug }, select: { id: true } });
  if (!tenant) throw new InvalidInput(`no tenant named "${slug}" (see \`npm run tenants -- list\`)`);
  const rows = await listBackups(p.deps, tenant.id);
  if (rows.length === 0) return say(`${slug} has no backups yet; make one with \`npm run tenants -- backup ${slug}\``);
  for (const b of rows)
    console.log(
      `${b.id}  ${b.kind.padEnd(11)} ${(b.tier ?? "-").padEnd(7)} ${b.status.padEnd(7)} ${String(b.bytes ?? "-").padStart(10)} B  ${b.createdAt.toISOString()}  ${b.location}`,
    );
  return EXIT.ok;
}

const COMMANDS: Command[] = [
  {
    name: "list",
    args: "[--json]",
    help: "every tenant with status, hosts, server and schema version",
    parse: (args, bad) => {
      const { values, positionals } = options(args, { json: { type: "boolean" } });
      positionalsOf("list", bad, positionals, []);
      return (p) => list(p, values.json === true);
    },
  },
  {
    name: "create",
    args: '<slug> --name "Name" [--domain host]… [--primary #hex] [--accent #hex] [--font sans|serif|mono|rounded|humanist] [--server name] [--plan starter|standard|premium] [--region key]',
    help: "provision a new tenant (role, database, migrations, demo content)",
    more: [
      "--domain is repeatable (the first is primary); --server defaults to the least loaded, --plan to standard",
      "--region: where its data stays (PORTICO_REGIONS; default PORTICO_DEFAULT_REGION); --server must be in it",
    ],
    parse: (args, bad) => {
      const parsed = parseCreate(args, bad);
      return (p) => create(p, parsed);
    },
  },
  operation({
    name: "migrate",
    args: "--all | <slug>… [--concurrency N]",
    help: "apply pending tenant migrations; exit 1 if any tenant failed (a re-run retries only those)",
    kind: "migrate-fleet",
    parse: (args, bad) => {
      const { values, positionals } = options(args, { all: { type: "boolean" }, concurrency: { type: "string" } });
      if (!values.all && positionals.length === 0) throw bad("migrate needs --all or one or more slugs");
      if (values.all && positionals.length > 0) throw bad("migrate takes either --all or slugs, not both");
      const concurrency = Number(values.concurrency ?? 4);
      if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)
        throw bad("--concurrency must be a whole number from 1 to 64");
      return { slug: null, input: { concurrency, ...(values.all ? {} : { slugs: positionals.map(slugArg) }) } };
    },
    async check(p, { input }) {
      const slugs = (input as { slugs?: string[] }).slugs ?? [];
      const known = await p.deps.control.tenant.findMany({ where: { slug: { in: slugs } }, select: { slug: true } });
      const missing = slugs.filter((s) => !known.some((k) => k.slug === s));
      if (missing.length > 0)
        throw new InvalidInput(`no tenant named ${missing.join(", ")} (see \`npm run tenants -- list\`)`);
    },
    report({ result, ms }) {
      for (const o of result.migrated)
        console.log(
          `${green("✓")} ${o.slug} ${dim(o.applied.length ? `applied ${o.applied.join(", ")}` : "up to date")}`,
        );
      for (const o of result.failed) console.log(`${red("✗")} ${o.slug} ${o.error ?? ""}`);
      const total = result.migrated.length + result.failed.length;
      const applied = result.migrated.reduce((n, o) => n + o.applied.length, 0);
      console.log(
        `${result.migrated.length}/${total} tenant(s) migrated (${applied} migration(s) applied) in ${Math.round(ms)} ms` +
          (result.failed.length
            ? `; ${red(`${result.failed.length} failed`)}: ${result.failed.map((f) => f.slug).join(", ")}. Fix the cause and re-run: only they will be retried.`
            : ""),
      );
      return result.failed.length ? EXIT.failed : EXIT.ok;
    },
  }),
  {
    name: "sync",
    args: "[--force] [--demo]",
    help: "provision / update the tenants declared in tenants/",
    more: [
      "a field changed in the product is kept unless --force; --demo seeds the demo users (password portico-demo)",
    ],
    parse: (args, bad) => {
      const unknown = args.filter((a) => a !== "--force" && a !== "--demo");
      if (unknown.length > 0) throw bad(`sync takes only --force and --demo, not ${unknown.join(" ")}`);
      return (p) => sync(p, { demo: args.includes("--demo"), force: args.includes("--force") });
    },
  },
  operation({
    name: "suspend",
    args: "<slug>",
    help: "take a portal offline (branded notice, its sessions end)",
    kind: "suspend",
    parse: oneSlug("suspend"),
    report: ({ slug, result }) =>
      say(result.changed ? `${green("✓")} ${slug} suspended` : `${slug} was already suspended; nothing changed`),
  }),
  operation({
    name: "resume",
    args: "<slug>",
    help: "bring a suspended portal back",
    kind: "resume",
    parse: oneSlug("resume"),
    report: ({ slug, result }) =>
      say(result.changed ? `${green("✓")} ${slug} resumed` : `${slug} was already active; nothing changed`),
  }),
  operation({
    name: "retry",
    args: "<slug>",
    help: "run a failed tenant's provisioning again",
    kind: "retry",
    parse: oneSlug("retry"),
    report: ({ slug }) => say(`${green("✓")} ${slug} provisioned`),
  }),
  operation({
    name: "discard",
    args: "<slug>",
    help: "remove everything a failed tenant's provisioning created",
    kind: "discard",
    parse: oneSlug("discard"),
    report: ({ slug, result }) =>
      say(`${green("✓")} ${slug} discarded${result.dropped.length ? ` (dropped ${result.dropped.join(", ")})` : ""}`),
  }),
  {
    name: "rotate-credentials",
    args: "--all | <slug>…",
    help: "new role passwords; also brings tenants made before per-tenant roles into that model",
    parse: (args, bad) => {
      const { values, positionals } = options(args, { all: { type: "boolean" } });
      if ((values.all === true) === positionals.length > 0)
        throw bad("rotate-credentials takes --all or one or more slugs");
      const slugs = values.all ? undefined : positionals.map(slugArg);
      return (p) => rotateCredentials(p, slugs);
    },
  },
  operation({
    name: "rename",
    args: '<slug> "New name"',
    help: "change a tenant's display name (every instance picks it up, no restart)",
    kind: "rename",
    parse: (args, bad) => {
      const [slug, ...words] = positionalsOf(
        "rename",
        bad,
        options(args, {}).positionals,
        ["a slug", "the new name"],
        true,
      ) as [string, ...string[]];
      return { slug: slugArg(slug), input: { name: words.join(" ") } };
    },
    report: ({ slug, result }) => say(`${green("✓")} ${slug} renamed "${result.from}" → "${result.to}"`),
  }),
  operation({
    name: "domains",
    args: "<slug> [host…]",
    help: "replace a tenant's custom domains (the first is primary; none removes them all)",
    kind: "set-domains",
    parse: (args, bad) => {
      const [slug, ...domains] = positionalsOf("domains", bad, options(args, {}).positionals, ["a slug"], true) as [
        string,
        ...string[],
      ];
      return { slug: slugArg(slug), input: { domains } };
    },
    report: ({ slug, result }) =>
      say(`${green("✓")} ${slug} custom domains: ${result.domains.length ? result.domains.join(", ") : "(none)"}`),
  }),
  operation({
    name: "export",
    args: "<slug> [--out dir]",
    help: "archive all a tenant's data (.tar.gz, manifest with checksums)",
    kind: "export",
    parse: (args, bad) => {
      const { values, positionals } = options(args, { out: { type: "string" } });
      const [slug] = positionalsOf("export", bad, positionals, ["a slug"]) as [string];
      return {
        slug: slugArg(slug),
        input: {},
        ...(typeof values.out === "string" ? { exportsDir: path.resolve(values.out) } : {}),
      };
    },
    report: ({ deps, result }) => {
      for (const t of result.tables) console.log(`  ${t.name.padEnd(20)} ${String(t.rows).padStart(8)} row(s)`);
      console.log(
        `${green("✓")} ${path.join(deps.exportsDir, result.file)} (${result.bytes} bytes, sha256 ${result.sha256})`,
      );
      return EXIT.ok;
    },
  }),
  {
    name: "import",
    args: '<archive> <new-slug> [--name "Name"]',
    help: "verify an export's checksums, then restore it into a new tenant",
    parse: (args, bad) => {
      const { values, positionals } = options(args, { name: { type: "string" } });
      const [archive, slug] = positionalsOf("import", bad, positionals, ["an archive", "the new tenant's slug"]) as [
        string,
        string,
      ];
      return (p) => importArchive(p, archive, slug, typeof values.name === "string" ? values.name : undefined);
    },
  },
  operation({
    name: "offboard",
    args: "<slug> --confirm <slug>",
    help: "export a tenant, then drop its database, role and domains",
    kind: "offboard",
    parse: (args, bad) => {
      const { values, positionals } = options(args, { confirm: { type: "string" } });
      const [slug] = positionalsOf("offboard", bad, positionals, ["a slug"]) as [string];
      if (values.confirm !== slug)
        throw new InvalidInput(
          `offboarding drops ${slug}'s database after exporting it; confirm with --confirm ${slug}`,
        );
      return { slug: slugArg(slug), input: {} };
    },
    report: ({ slug, deps, result }) =>
      say(`${green("✓")} ${slug} offboarded; export kept at ${path.join(deps.exportsDir, result.file)}`),
  }),
  operation({
    name: "backup",
    args: "<slug> [--confirm-region <region>]",
    help: "back a tenant up now (one consistent snapshot, compressed, encrypted, checksummed)",
    more: ["--confirm-region stores it in another region's location when its own region has none"],
    kind: "backup",
    parse: (args, bad) => {
      const { values, positionals } = options(args, { "confirm-region": { type: "string" } });
      const [slug] = positionalsOf("backup", bad, positionals, ["a slug"]) as [string];
      const region = values["confirm-region"];
      return { slug: slugArg(slug), input: { confirmRegion: typeof region === "string" ? region : null } };
    },
    report: ({ slug, result }) =>
      say(`${green("✓")} ${slug} backed up: ${result.backupId} (${result.bytes} bytes, sha256 ${result.sha256})`),
  }),
  {
    name: "backups",
    args: "<slug>",
    help: "a tenant's backups, newest first: id, kind, tier, status, size, age",
    parse: (args, bad) => {
      const [slug] = positionalsOf("backups", bad, options(args, {}).positionals, ["a slug"]) as [string];
      return (p) => showBackups(p, slugArg(slug));
    },
  },
  operation({
    name: "restore",
    args: "<slug> <backup-id> [--into <new-slug>] [--confirm-cross-tenant <source-slug>] [--confirm-region <region>]",
    help: "verify a backup, then restore it in place (the tenant in maintenance, a pre-restore backup kept) or into a new tenant",
    more: ["a backup of another tenant is restored in place only with --confirm-cross-tenant <its tenant's slug>"],
    kind: "restore",
    parse: (args, bad) => {
      const { values, positionals } = options(args, {
        into: { type: "string" },
        "confirm-cross-tenant": { type: "string" },
        "confirm-region": { type: "string" },
      });
      const [slug, backupId] = positionalsOf("restore", bad, positionals, ["a slug", "a backup id"]) as [
        string,
        string,
      ];
      return {
        slug: slugArg(slug),
        input: {
          backupId,
          into: typeof values.into === "string" ? slugArg(values.into) : null,
          confirmCrossTenant:
            typeof values["confirm-cross-tenant"] === "string" ? values["confirm-cross-tenant"] : null,
        },
      };
    },
    report: ({ slug, result }) => {
      say(
        `${green("✓")} ${"into" in result ? `${result.into} created from ${result.from}'s backup` : `${slug} restored`} (${Object.values(result.rows).reduce((a, b) => a + b, 0)} rows verified)`,
      );
      if (result.erasuresReapplied > 0)
        say(`  ${result.erasuresReapplied} member(s) erased since the backup were erased again`);
      if (result.ownersNotErased.length > 0)
        say(
          `  ${red("!")} ${result.ownersNotErased.length} owner(s) in the backup were erased since: hand their ownership over, then erase them (user ids: ${result.ownersNotErased.join(", ")})`,
        );
      return EXIT.ok;
    },
  }),
  operation({
    name: "move",
    args: "<slug> <server>",
    help: "move a tenant's database to another registered server (copied, verified, switched)",
    kind: "move",
    parse: (args, bad) => {
      const [slug, server] = positionalsOf("move", bad, options(args, {}).positionals, ["a slug", "a server name"]) as [
        string,
        string,
      ];
      return { slug: slugArg(slug), input: { server } };
    },
    report: ({ slug, result }) =>
      say(
        `${green("✓")} ${slug} moved ${result.from} → ${result.to} (${Object.values(result.rows).reduce((a, b) => a + b, 0)} rows verified)`,
      ),
  }),
  {
    name: "servers",
    args: "[add <name> <admin-url> [--region key] | pooler <name> <pooler-url> --auth-file <path> | pooler <name> --off]",
    help: "the registered database servers and their tenants; `add` registers one; `pooler` puts PgBouncer in front of one",
    more: [
      "a server is registered only once it is reachable and may create roles and databases",
      "pooler: tenants' requests go through PgBouncer (transaction pooling) at postgres://host:port; Portico writes its auth_file (SCRAM secrets, mode 0600) and RELOADs it through the admin console as the server's administrator, checked before anything is stored (docs/deploy.md → PgBouncer)",
    ],
    parse: (args, bad) => {
      const parsed = options(args, {
        "auth-file": { type: "string" },
        off: { type: "boolean" },
        region: { type: "string" },
      });
      const positionals = parsed.positionals;
      if (positionals[0] === "pooler") {
        const off = parsed.values.off === true;
        const [, name, url] = positionalsOf(
          "servers pooler",
          bad,
          positionals,
          off ? ["pooler", "a server name"] : ["pooler", "a server name", "the pooler URL (postgres://host:port)"],
        ) as [string, string, string | undefined];
        if (off) {
          if (parsed.values["auth-file"]) throw bad("servers pooler --off takes no --auth-file");
          return (p) => serverPooler(p, name, null);
        }
        const authFile = parsed.values["auth-file"];
        if (!authFile)
          throw bad(
            "servers pooler needs --auth-file <path>: the auth_file in PgBouncer's configuration, which Portico writes",
          );
        return (p) => serverPooler(p, name, { url: url!, authFile });
      }
      if (parsed.values.off || parsed.values["auth-file"])
        throw bad("--off and --auth-file belong to `servers pooler`");
      if (positionals.length === 0) return (p) => servers(p, null);
      if (positionals[0] !== "add")
        throw bad(
          `servers takes nothing, \`add <name> <admin-url>\` or \`pooler <name> <pooler-url> --auth-file <path>\`, not ${positionals.join(" ")}`,
        );
      const [, name, url] = positionalsOf("servers add", bad, positionals, [
        "add",
        "a name",
        "an administrative URL",
      ]) as [string, string, string];
      return (p) => servers(p, { name, url, region: parsed.values.region });
    },
  },
  {
    name: "retention",
    args: "run [--tenant slug] [--dry-run]",
    help: "apply each live tenant's retention policy now (the daily job's run); --dry-run only counts",
    more: ["each tenant's run is audited in its own trail; exit 1 if a tenant could not be reached"],
    parse: (args, bad) => {
      const { values, positionals } = options(args, { tenant: { type: "string" }, "dry-run": { type: "boolean" } });
      if (positionals[0] !== "run") throw bad("retention needs `run`");
      positionalsOf("retention", bad, positionals, ["run"]);
      const slug = typeof values.tenant === "string" ? slugArg(values.tenant) : undefined;
      return (p) => retention(p, { ...(slug ? { slug } : {}), dryRun: values["dry-run"] === true });
    },
  },
  {
    name: "help",
    args: "",
    help: "this list",
    parse: () => say(usage()),
  },
];

function usage(): string {
  const column = 40;
  const lines = COMMANDS.flatMap((c) => {
    const syntax = [c.name, c.args].filter(Boolean).join(" ");
    const head =
      syntax.length < column
        ? [`  ${syntax.padEnd(column)}${c.help}`]
        : [`  ${syntax}`, `  ${"".padEnd(column)}${c.help}`];
    return [...head, ...(c.more ?? []).map((m) => `  ${"".padEnd(column)}${dim(m)}`)];
  });
  return [
    "usage: npm run tenants -- <command> [arguments]",
    "",
    ...lines,
    "",
    "exit codes: 0 success, 1 an operation failed (e.g. a tenant's migration), 2 bad usage or configuration",
  ].join("\n");
}

async function main(): Promise<number> {
  const [name, ...args] = process.argv.slice(2);
  if (!name) {
    console.log(usage());
    return EXIT.usage;
  }
  const command =
    COMMANDS.find((c) => c.name === name) ?? (name === "--help" ? COMMANDS.find((c) => c.name === "help") : undefined);
  if (!command) throw new InvalidInput(`unknown command "${name}"\n${usage()}`);
  const bad = (message: string) =>
    new InvalidInput(`${message}\nusage: npm run tenants -- ${[command.name, command.args].filter(Boolean).join(" ")}`);
  let run: Run;
  try {
    run = command.parse(args, bad);
  } catch (error) {
    // node:util's parseArgs refuses unknown options and missing option values with a coded TypeError.
    if (error instanceof TypeError && "code" in error) throw bad(error.message);
    throw error;
  }
  if (typeof run === "number") return run;
  // Like `npm run dev`, the embedded database unless DATABASE_URL is set; with NODE_ENV=production only if PORTICO_EMBEDDED=true.
  const p = await bootstrap({ embeddedByDefault: process.env.NODE_ENV !== "production" });
  try {
    return await run(p);
  } finally {
    await p.close();
  }
}

main().then((code) => process.exit(code), fail);
