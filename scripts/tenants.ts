/**
 * npm run tenants -- <command>
 *
 *   list [--json]                         every tenant with status, hosts, server and schema version
 *   create <slug> --name "Name" [options] provision a new tenant (role, database, migrations)
 *       --domain <host>   custom domain (repeatable; the first is primary)
 *       --primary <#hex>  brand colour        --accent <#hex>   accent colour
 *       --font <name>     sans | serif | mono | rounded | humanist
 *       --server <name>   database server (default: the least loaded)
 *       --plan <name>     starter | standard | premium (default: standard)
 *   migrate --all | <slug>… [--concurrency N]   apply pending tenant migrations
 *   sync [--force] [--demo]               provision / update the tenants declared in tenants/; a
 *                                         field changed in the product is kept unless --force;
 *                                         --demo seeds the demo users (password portico-demo)
 *   suspend <slug> | resume <slug>        take a portal offline (notice, sessions end) or back
 *   retry <slug> | discard <slug>         a tenant whose provisioning failed: run it again, or
 *                                         remove everything it created
 *   rotate-credentials --all | <slug>…    new role passwords; also brings tenants made before
 *                                         per-tenant roles into that model
 *   rename <slug> "New name"              change a tenant's display name (no restart)
 *   domains <slug> [host…]                replace its custom domains (the first is primary)
 *   export <slug> [--out dir]             archive all its data (.tar.gz, manifest with checksums)
 *   import <archive> <new-slug> [--name]  restore an export into a new tenant
 *   offboard <slug> --confirm <slug>      export, then drop its database, role and domains
 *   move <slug> <server>                  move its database to another registered server
 *   servers [add <name> <admin-url>]      registered database servers and their tenants; register
 *                                         one (checked: reachable, may create roles and databases)
 *
 * Exit codes: 0 success, 1 an operation failed (e.g. a tenant's migration), 2 bad usage or config.
 */
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { appendAudit, type AuditActor } from "../lib/audit/log.server.ts";
import { hostConfig } from "../lib/config/env.server.ts";
import { InvalidInput } from "../lib/util/errors.ts";
import { loadMigrations, migrationsDir } from "../lib/migrations/migrator.ts";
import { bootstrap, type Bootstrapped } from "../lib/bootstrap/bootstrap.server.ts";
import { migrateFleet } from "../lib/fleet-migration/migrate-fleet.server.ts";
import { PROVISIONING_STEPS, provisionTenant } from "../lib/provisioning/provision.server.ts";
import { parseTenantSpec } from "../lib/provisioning/spec.ts";
import { rotateTenantCredentials } from "../lib/lifecycle/role-credentials.server.ts";
import { discardTenant, resumeProvisioning } from "../lib/provisioning/resume.server.ts";
import { renameTenant, setTenantDomains } from "../lib/lifecycle/profile.server.ts";
import { setTenantSuspended } from "../lib/lifecycle/suspend.server.ts";
import { exportTenant, importTenant } from "../lib/lifecycle/archive.server.ts";
import { moveTenant } from "../lib/lifecycle/move.server.ts";
import { addServer } from "../lib/provisioning/servers.server.ts";
import { offboardTenant } from "../lib/lifecycle/offboard.server.ts";
import { describeOutcome, syncTenants } from "../lib/provisioning/sync.server.ts";
import { invitationsFor } from "../lib/operations/start.server.ts";
import { tenantHosts, tenantSubdomainHost } from "../lib/tenancy/host.ts";
import { FALLBACK_THEME, readableOn } from "../lib/tenancy/theme.ts";
import { declaredTenants } from "../tenants/index.ts";
import { EXIT, fail, tty } from "./lib/cli.ts";

const green = (s: string) => (tty ? `\x1b[32m${s}\x1b[0m` : s);
const red = (s: string) => (tty ? `\x1b[31m${s}\x1b[0m` : s);
const dim = (s: string) => (tty ? `\x1b[2m${s}\x1b[0m` : s);

const actor: AuditActor = { type: "cli", label: `cli:${os.userInfo().username}` };

const USAGE = `usage: npm run tenants -- list [--json]
       npm run tenants -- create <slug> --name "Name" [--domain host]… [--primary #hex] [--accent #hex] [--font sans|serif|mono|rounded|humanist] [--server name] [--plan starter|standard|premium]
       npm run tenants -- migrate --all | <slug>… [--concurrency N]
       npm run tenants -- sync [--force] [--demo]
       npm run tenants -- suspend <slug> | resume <slug>
       npm run tenants -- retry <slug> | discard <slug>
       npm run tenants -- rotate-credentials --all | <slug>…
       npm run tenants -- rename <slug> "New name" | domains <slug> [host…]
       npm run tenants -- export <slug> [--out dir] | import <archive> <new-slug> [--name "Name"]
       npm run tenants -- offboard <slug> --confirm <slug> | move <slug> <server> | servers [add <name> <admin-url>]`;

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ").trimEnd()).join("\n");
}

async function list(p: Bootstrapped, json: boolean): Promise<number> {
  const latest = (await loadMigrations(migrationsDir("tenant"))).at(-1)?.name ?? null;
  const tenants = await p.deps.control.tenant.findMany({
    orderBy: { slug: "asc" },
    include: { domains: true, database: { include: { server: true } }, jobs: { orderBy: { startedAt: "desc" }, take: 1 } },
  });
  const hosts = hostConfig(p.env);
  const rows = tenants.map((t) => ({
    slug: t.slug,
    name: t.name,
    status: t.status,
    hosts: tenantHosts(t.slug, t.domains, hosts),
    server: t.database?.server.name ?? null,
    schemaVersion: t.database?.schemaVersion ?? null,
    schema: !t.database?.schemaVersion ? "unmigrated" : t.database.schemaVersion === latest ? "current" : "behind",
    migrationError: t.database?.migrationError ?? null,
    failure: t.status === "failed" && t.jobs[0] ? `${t.jobs[0].step}: ${t.jobs[0].error ?? ""}`.slice(0, 120) : null,
  }));
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
      ["SLUG", "STATUS", "NAME", "HOSTS", "SERVER", "SCHEMA"],
      ...rows.map((r) => [r.slug, r.status, r.name, r.hosts.join(", "), r.server ?? "-", r.schema + (r.migrationError ? " (last migration failed)" : "")]),
    ]),
  );
  for (const r of rows) if (r.failure) console.log(red(`${r.slug} failed at ${r.failure} — \`npm run tenants -- retry ${r.slug}\` or \`discard ${r.slug}\``));
  console.log(dim(`${rows.length} tenant(s); latest tenant migration: ${latest ?? "none"}`));
  return EXIT.ok;
}

function parseCreate(args: string[]) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      name: { type: "string" },
      domain: { type: "string", multiple: true },
      primary: { type: "string" },
      accent: { type: "string" },
      font: { type: "string" },
      server: { type: "string" },
      plan: { type: "string" },
    },
  });
  const [slug, ...extra] = positionals;
  if (!slug || extra.length > 0 || !values.name) throw new InvalidInput(`create needs exactly one slug and --name\n${USAGE}`);
  const primary = values.primary ?? FALLBACK_THEME.primary;
  const spec = parseTenantSpec(
    {
      slug,
      name: values.name,
      ...(values.plan ? { plan: values.plan } : {}),
      domains: values.domain ?? [],
      theme: {
        ...FALLBACK_THEME,
        primary,
        accent: values.accent ?? FALLBACK_THEME.accent,
        font: values.font ?? FALLBACK_THEME.font,
        text: readableOn(primary) === "#ffffff" ? FALLBACK_THEME.text : "#111827",
        logo: { src: "/brand/portico.svg", alt: values.name },
      },
    },
    "the new tenant",
  );
  return { spec, server: values.server };
}

/** Arguments are validated before anything connects to a database (security case 14). */
async function create(p: Bootstrapped, { spec, server }: ReturnType<typeof parseCreate>): Promise<number> {
  console.log(`provisioning ${spec.slug}…`);
  const t0 = performance.now();
  const { tenantId } = await provisionTenant(p.deps, spec, {
    mode: "create",
    server,
    onStep: (step, ms) => console.log(`  ${green("✓")} ${step.padEnd(16)} ${dim(`${Math.round(ms)} ms`)}`),
  });
  await appendAudit(p.deps.control, { actor, action: "tenant.create", tenantId, details: { slug: spec.slug, name: spec.name, domains: spec.domains, server: server ?? "auto" } });
  console.log(`${green("created")} ${spec.slug} in ${Math.round(performance.now() - t0)} ms (${PROVISIONING_STEPS.length} steps) → http://${tenantSubdomainHost(spec.slug, hostConfig(p.env))}:${process.env.PORT ?? 3000}`);
  return EXIT.ok;
}

function progressBar(done: number, total: number, width = 24): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${"█".repeat(filled)}${"░".repeat(width - filled)}] ${done}/${total}`;
}

async function migrateCommand(p: Bootstrapped, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { all: { type: "boolean" }, concurrency: { type: "string" } },
  });
  if (!values.all && positionals.length === 0) throw new InvalidInput(`migrate needs --all or one or more slugs\n${USAGE}`);
  if (values.all && positionals.length > 0) throw new InvalidInput("migrate takes either --all or slugs, not both");
  const concurrency = Number(values.concurrency ?? 4);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) throw new InvalidInput("--concurrency must be a whole number from 1 to 64");
  if (!values.all) {
    const known = await p.deps.control.tenant.findMany({ where: { slug: { in: positionals } }, select: { slug: true } });
    const missing = positionals.filter((s) => !known.some((k) => k.slug === s));
    if (missing.length > 0) throw new InvalidInput(`no tenant named ${missing.join(", ")} (see \`npm run tenants -- list\`)`);
  }
  const t0 = performance.now();
  const outcomes = await migrateFleet(p.deps, {
    concurrency,
    slugs: values.all ? undefined : positionals,
    onResult: (o, done, total) => {
      const line = o.ok
        ? `${green("✓")} ${o.slug} ${dim(o.applied.length ? `applied ${o.applied.join(", ")}` : "up to date")}`
        : `${red("✗")} ${o.slug} ${o.error ?? ""}`;
      if (tty) process.stdout.write(`\r\x1b[2K${line}\n${progressBar(done, total)}`);
      else console.log(`${progressBar(done, total)} ${line}`);
    },
  });
  if (tty) process.stdout.write("\r\x1b[2K");
  const failed = outcomes.filter((o) => !o.ok);
  await appendAudit(p.deps.control, {
    actor,
    action: "fleet.migrate",
    details: { concurrency, migrated: outcomes.filter((o) => o.ok).map((o) => ({ slug: o.slug, applied: o.applied })), failed: failed.map((f) => ({ slug: f.slug, error: f.error })) },
  });
  const applied = outcomes.reduce((n, o) => n + o.applied.length, 0);
  console.log(
    `${outcomes.length - failed.length}/${outcomes.length} tenant(s) migrated (${applied} migration(s) applied) in ${Math.round(performance.now() - t0)} ms` +
      (failed.length ? `; ${red(`${failed.length} failed`)}: ${failed.map((f) => f.slug).join(", ")}. Fix the cause and re-run: only they will be retried.` : ""),
  );
  return failed.length ? EXIT.failed : EXIT.ok;
}

async function sync(p: Bootstrapped, args: string[]): Promise<number> {
  const unknown = args.filter((a) => a !== "--force" && a !== "--demo");
  if (unknown.length > 0) throw new InvalidInput(`sync takes only --force and --demo, not ${unknown.join(" ")}\n${USAGE}`);
  const demo = args.includes("--demo");
  // Without demo users, a newly created tenant's declared owner is invited by email.
  const invitations = invitationsFor(p, { scheme: p.env.PORTICO_PUBLIC_SCHEME, ...(p.env.PORTICO_PUBLIC_PORT ? { port: p.env.PORTICO_PUBLIC_PORT } : {}) });
  const outcomes = await syncTenants({ ...p.deps, invitations }, declaredTenants, {
    demo,
    force: args.includes("--force"),
    actor,
    onOutcome: (o) => console.log(`${o.action === "failed" ? red("✗") : o.kept?.length ? "!" : green("✓")} ${describeOutcome(o)}`),
  });
  await appendAudit(p.deps.control, {
    actor,
    action: "tenant.sync",
    details: { demo, force: args.includes("--force"), outcomes: outcomes.map(({ slug, action, error, kept, overwritten }) => ({ slug, action, error, kept, overwritten })) },
  });
  return outcomes.some((o) => o.action === "failed") ? EXIT.failed : EXIT.ok;
}

async function lifecycle(p: Bootstrapped, command: "suspend" | "resume", args: string[]): Promise<number> {
  const [slug, ...extra] = args;
  if (!slug || extra.length > 0) throw new InvalidInput(`${command} needs exactly one slug\n${USAGE}`);
  const { tenantId, changed } = await setTenantSuspended(p.deps, slug, command === "suspend");
  if (changed) await appendAudit(p.deps.control, { actor, action: `tenant.${command}`, tenantId, details: { slug } });
  console.log(changed ? `${green("✓")} ${slug} ${command === "suspend" ? "suspended" : "resumed"}` : `${slug} was already ${command === "suspend" ? "suspended" : "active"}; nothing changed`);
  return EXIT.ok;
}

async function retryOrDiscard(p: Bootstrapped, command: "retry" | "discard", args: string[]): Promise<number> {
  const [slug, ...extra] = args;
  if (!slug || extra.length > 0) throw new InvalidInput(`${command} needs exactly one slug\n${USAGE}`);
  if (command === "retry") {
    const { tenantId } = await resumeProvisioning(p.deps, slug);
    await appendAudit(p.deps.control, { actor, action: "tenant.retry", tenantId, details: { slug } });
    console.log(`${green("✓")} ${slug} provisioned`);
  } else {
    const { tenantId, dropped } = await discardTenant(p.deps, slug);
    await appendAudit(p.deps.control, { actor, action: "tenant.discard", tenantId, details: { slug, dropped } });
    console.log(`${green("✓")} ${slug} discarded${dropped.length ? ` (dropped ${dropped.join(", ")})` : ""}`);
  }
  return EXIT.ok;
}

async function rotateCredentials(p: Bootstrapped, args: string[]): Promise<number> {
  const all = args.includes("--all");
  const slugs = args.filter((a) => a !== "--all");
  if (all === slugs.length > 0) throw new InvalidInput(`rotate-credentials takes --all or one or more slugs\n${USAGE}`);
  const outcomes = await rotateTenantCredentials(p.deps, all ? undefined : slugs);
  if (!all && outcomes.length !== slugs.length) throw new InvalidInput(`no tenant named ${slugs.filter((s) => !outcomes.some((o) => o.slug === s)).join(", ")}`);
  for (const o of outcomes) {
    console.log(o.ok ? `${green("✓")} ${o.slug} new role password${o.reassigned ? `; ${o.reassigned} object(s) given to the tenant role` : ""}` : `${red("✗")} ${o.slug} ${o.error}`);
  }
  await appendAudit(p.deps.control, { actor, action: "tenant.rotate-credentials", details: { outcomes } });
  return outcomes.every((o) => o.ok) ? EXIT.ok : EXIT.failed;
}

async function lifecycleMore(p: Bootstrapped, command: string, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { out: { type: "string" }, name: { type: "string" }, confirm: { type: "string" } } });
  const need = (n: number, what: string) => {
    if (positionals.length < n) throw new InvalidInput(`${command} needs ${what}\n${USAGE}`);
  };
  switch (command) {
    case "rename": {
      need(2, "a slug and the new name");
      const [slug, ...words] = positionals as [string, ...string[]];
      const r = await renameTenant(p.deps, slug, words.join(" "));
      await appendAudit(p.deps.control, { actor, action: "tenant.rename", tenantId: r.tenantId, details: { slug, from: r.from, to: r.to } });
      console.log(`${green("✓")} ${slug} renamed "${r.from}" → "${r.to}"`);
      return EXIT.ok;
    }
    case "domains": {
      need(1, "a slug");
      const [slug, ...domains] = positionals as [string, ...string[]];
      const r = await setTenantDomains(p.deps, hostConfig(p.env), slug, domains);
      await appendAudit(p.deps.control, { actor, action: "tenant.set-domains", tenantId: r.tenantId, details: { slug, domains: r.domains } });
      console.log(`${green("✓")} ${slug} custom domains: ${r.domains.length ? r.domains.join(", ") : "(none)"}`);
      return EXIT.ok;
    }
    case "export": {
      need(1, "a slug");
      const slug = positionals[0] as string;
      const r = await exportTenant(p.deps, slug, path.resolve(values.out ?? p.exportsDir), actor.label);
      const tenant = await p.deps.control.tenant.findUnique({ where: { slug }, select: { id: true } });
      await appendAudit(p.deps.control, { actor, action: "tenant.export", tenantId: tenant?.id ?? null, details: { slug, file: r.file, sha256: r.sha256 } });
      for (const t of r.manifest.tables) console.log(`  ${t.name.padEnd(20)} ${String(t.rows).padStart(8)} row(s)  ${dim(t.sha256.slice(0, 16))}`);
      console.log(`${green("✓")} ${r.path} (${r.bytes} bytes, sha256 ${r.sha256})`);
      return EXIT.ok;
    }
    case "import": {
      need(2, "an archive and the new tenant's slug");
      const [archive, slug] = positionals as [string, string];
      const r = await importTenant(p.deps, path.resolve(archive), slug, values.name);
      await appendAudit(p.deps.control, { actor, action: "tenant.import", tenantId: r.tenantId, details: { slug, archive: path.basename(archive), rows: r.rows } });
      for (const [table, rows] of Object.entries(r.rows)) console.log(`  ${table.padEnd(20)} ${String(rows).padStart(8)} row(s) restored`);
      console.log(`${green("✓")} imported into ${slug}`);
      return EXIT.ok;
    }
    case "offboard": {
      need(1, "a slug");
      const slug = positionals[0] as string;
      if (values.confirm !== slug) throw new InvalidInput(`offboarding drops ${slug}'s database after exporting it; confirm with --confirm ${slug}`);
      const r = await offboardTenant(p.deps, slug, { exportsDir: p.exportsDir, by: actor.label, onStep: (step) => console.log(`  … ${step}`) });
      await appendAudit(p.deps.control, { actor, action: "tenant.offboard", tenantId: r.tenantId, details: { slug, file: r.export.file, sha256: r.export.sha256, dropped: r.dropped } });
      console.log(`${green("✓")} ${slug} offboarded; export kept at ${r.export.path}`);
      return EXIT.ok;
    }
    case "move": {
      need(2, "a slug and a server name");
      const [slug, server] = positionals as [string, string];
      const r = await moveTenant(p.deps, slug, server, { onStep: (step) => console.log(`  … ${step}`) });
      await appendAudit(p.deps.control, { actor, action: "tenant.move", tenantId: r.tenantId, details: { slug, from: r.from, to: r.to, rows: r.rows } });
      console.log(`${green("✓")} ${slug} moved ${r.from} → ${r.to} (${Object.values(r.rows).reduce((a, b) => a + b, 0)} rows verified)`);
      return EXIT.ok;
    }
    default: {
      if (positionals[0] === "add") {
        const [, name, url] = positionals;
        if (!name || !url) throw new InvalidInput(`servers add needs a name and an administrative URL\n${USAGE}`);
        const registered = await addServer(p.deps, name, url);
        await appendAudit(p.deps.control, { actor, action: "server.register", details: { name, address: `${registered.host}:${registered.port}` } });
        console.log(`${green("✓")} server ${name} (${registered.host}:${registered.port}) registered; new tenants may be placed on it`);
        return EXIT.ok;
      }
      const servers = await p.deps.control.databaseServer.findMany({ orderBy: { name: "asc" }, select: { name: true, host: true, port: true, sslMode: true, _count: { select: { databases: true } } } });
      console.log(table([["SERVER", "ADDRESS", "TENANTS", "TLS"], ...servers.map((s) => [s.name, `${s.host}:${s.port}`, String(s._count.databases), s.sslMode ?? "off"])]));
      return EXIT.ok;
    }
  }
}

async function main(): Promise<number> {
  const [command, ...args] = process.argv.slice(2);
  if (!command || command === "help" || command === "--help") {
    console.log(USAGE);
    return command ? EXIT.ok : EXIT.usage;
  }
  const more = ["rename", "domains", "export", "import", "offboard", "move", "servers"];
  if (![...more, "list", "create", "migrate", "sync", "suspend", "resume", "retry", "discard", "rotate-credentials"].includes(command)) throw new InvalidInput(`unknown command "${command}"\n${USAGE}`);
  const createArgs = command === "create" ? parseCreate(args) : null;
  // Like `npm run dev`, the embedded database unless DATABASE_URL is set; with NODE_ENV=production only if PORTICO_EMBEDDED=true.
  const p = await bootstrap({ embeddedByDefault: process.env.NODE_ENV !== "production" });
  try {
    switch (command) {
      case "list":
        return await list(p, args.includes("--json"));
      case "create":
        return await create(p, createArgs!);
      case "migrate":
        return await migrateCommand(p, args);
      case "suspend":
      case "resume":
        return await lifecycle(p, command, args);
      case "retry":
      case "discard":
        return await retryOrDiscard(p, command, args);
      case "rotate-credentials":
        return await rotateCredentials(p, args);
      case "rename":
      case "domains":
      case "export":
      case "import":
      case "offboard":
      case "move":
      case "servers":
        return await lifecycleMore(p, command, args);
      default:
        return await sync(p, args);
    }
  } finally {
    await p.close();
  }
}

main().then((code) => process.exit(code), (error: unknown) => fail(error instanceof TypeError && "code" in error ? new InvalidInput(`${error.message}\n${USAGE}`) : error));
