/**
 * The server the browser tests run against (playwright.config.ts → webServer): a fresh embedded
 * PostgreSQL in a temporary directory, the tenants declared in tenants/, one extra tenant whose
 * database is then dropped (to show a branded "unavailable" page), and Next.js on E2E_PORT.
 * Uses the production build when there is one (CI builds first), else `next dev`. Email-domain
 * checks ask a DNS server of its own on a loopback port (PORTICO_DNS_SERVERS), which answers the
 * TXT records a test writes to the JSON file e2e/dns.ts names.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { ensureAgencyOwner } from "../lib/bootstrap/agency-owner.server.ts";
import { freePort } from "../lib/db/embedded.server.ts";
import { dropDatabaseIfExists, withClient } from "../lib/db/postgres.ts";
import { tenantConnectionUrl } from "../lib/db/tenant-db.server.ts";
import { hashPassword } from "../lib/auth/credentials.server.ts";
import { seal } from "../lib/db/keyring.server.ts";
import { bootstrap } from "../lib/bootstrap/bootstrap.server.ts";
import { provisionTenant } from "../lib/provisioning/provision.server.ts";
import { startWorker } from "../lib/operations/start.server.ts";
import { registerServers, withServerAdmin } from "../lib/provisioning/servers.server.ts";
import { parseTenantSpec } from "../lib/provisioning/spec.ts";
import { syncTenants } from "../lib/provisioning/sync.server.ts";
import { FALLBACK_THEME } from "../lib/tenancy/theme.ts";
import { declaredTenants } from "../tenants/index.ts";
import { recordsFromFile, startTestDns } from "../test/support/dns-server.ts";
import { fail } from "./lib/cli.ts";
import { nextServerCommand } from "./lib/custom-server.ts";

const port = Number(process.env.E2E_PORT ?? 3100);
const stateFile = path.join(os.tmpdir(), `portico-e2e-${port}.json`);
/** Known to the browser tests (e2e/dns.ts): { "<name>": [["<TXT value>"]] }; a name not in it is NXDOMAIN. */
const dnsFile = path.join(os.tmpdir(), `portico-e2e-${port}-dns.json`);
/** Known to the browser tests (e2e/agency.spec.ts). */
const E2E_AGENCY_PASSWORD = "agency-e2e-password";
/** The agency owner's authenticator app, known to the browser tests (e2e/hosts.ts AGENCY_TOTP). */
const E2E_AGENCY_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
/** Known to the browser tests (e2e/residency.spec.ts). */
const E2E_REGIONS = {
  PORTICO_REGIONS: "eu=Europe (Frankfurt),us=United States (Virginia)",
  PORTICO_DEFAULT_REGION: "eu",
};

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "portico-e2e-"));
  await chmod(dir, 0o755);
  // Data residency (docs/decisions/053): two regions, so the wizard asks Premium tenants for one
  // (e2e/residency.spec.ts). Everything else stays in the default region, eu, on "embedded".
  Object.assign(process.env, E2E_REGIONS);
  const { DATABASE_URL: _ignored, ...env } = process.env;
  // A production build on a throw-away embedded database, asked for explicitly; the browser
  // tests sign in as the declared demo users, so the sync seeds them as `npm run dev` does.
  const platform = await bootstrap({
    dataDir: dir,
    embeddedPort: await freePort(),
    // Audit streams may reach the tests' local receivers (e2e/audit-streams.spec.ts).
    source: { ...env, PORTICO_EMBEDDED: "true", PORTICO_AUDIT_SINKS_ALLOW_PRIVATE: "true" },
    log: (l) => console.log(`[e2e] ${l}`),
  });
  // The second region's server: a row of its own on the same embedded PostgreSQL.
  await registerServers(platform.deps, [{ name: "embedded-us", adminUrl: platform.embedded!.url, region: "us" }]);
  const outcomes = await syncTenants(platform.deps, declaredTenants, { demo: true });
  const failed = outcomes.filter((o) => o.action === "failed");
  if (failed.length) throw new Error(`could not provision: ${failed.map((f) => `${f.slug}: ${f.error}`).join("; ")}`);

  // Globex takes no self sign-ups (e2e/tenant-auth.spec.ts checks the refusal).
  const globex = await platform.deps.control.tenant.findUniqueOrThrow({ where: { slug: "globex" } });
  await withClient(await tenantConnectionUrl(platform.deps.control, platform.deps.keyring, globex.id), (c) =>
    c.query(
      `INSERT INTO "PortalSettings" (id, "allowMemberSignup", "updatedAt") VALUES (1, false, now()) ON CONFLICT (id) DO UPDATE SET "allowMemberSignup" = false`,
    ),
  );

  // A healthy tenant the lifecycle tests may suspend and resume without disturbing the others.
  await provisionTenant(
    platform.deps,
    parseTenantSpec({
      slug: "stark",
      name: "Stark Learning",
      theme: { ...FALLBACK_THEME, primary: "#047857" },
      demo: {
        users: [{ email: "owner@stark.example", name: "Tony Owner", role: "owner", password: "portico-demo" }],
        events: [{ slug: "kickoff", title: "Kick-off", startsInDays: 5 }],
      },
    }),
    { mode: "create" },
  );

  // A tenant whose database has gone away: its portal must show a branded notice, alone.
  const broken = parseTenantSpec({
    slug: "umbrella",
    name: "Umbrella Health",
    theme: { ...FALLBACK_THEME, primary: "#be123c" },
  });
  const { tenantId } = await provisionTenant(platform.deps, broken, { mode: "create" });
  const db = await platform.deps.control.tenantDatabase.findUniqueOrThrow({ where: { tenantId } });
  await withServerAdmin(platform.deps, db.serverId, (admin) => dropDatabaseIfExists(admin, db.databaseName));
  await ensureAgencyOwner(platform.deps.control, {
    email: "owner@agency.localhost",
    name: "Olive Owner",
    password: E2E_AGENCY_PASSWORD,
  });
  // Agency owners must prove an authenticator app at each sign-in (docs/decisions/046): the
  // owner's is set up already, with a secret the tests compute codes from.
  const owner = await platform.deps.control.agencyUser.findUniqueOrThrow({
    where: { email: "owner@agency.localhost" },
  });
  const sealed = seal(E2E_AGENCY_TOTP_SECRET, platform.deps.keyring);
  await platform.deps.control.agencyTotp.create({
    data: { agencyUserId: owner.id, secretCiphertext: sealed.ciphertext, keyId: sealed.keyId, confirmedAt: new Date() },
  });
  await platform.deps.control.agencyUser.create({
    data: {
      email: "viewer@agency.localhost",
      name: "Vic Viewer",
      role: "viewer",
      passwordHash: await hashPassword(E2E_AGENCY_PASSWORD),
    },
  });
  // The worker writes to the structured log, each line with its operation id.
  const worker = startWorker(platform, { scheme: "http", port });

  // What the tests need to run the CLI against this server's control plane (e2e/cli.ts).
  await writeFile(
    stateFile,
    JSON.stringify({
      ...platform.childEnv,
      DATABASE_URL: platform.controlUrl,
      PORTICO_TENANT_SERVERS: `embedded=${platform.embedded?.url}`,
      ...E2E_REGIONS,
    }),
    { mode: 0o600 },
  );

  await writeFile(dnsFile, "{}\n");
  const dns = await startTestDns({ lookup: recordsFromFile(dnsFile) });

  const built = existsSync(".next/BUILD_ID") && process.env.E2E_DEV !== "1";
  console.log(`[e2e] next ${built ? "start" : "dev"} on port ${port}`);
  const [command, ...args] = nextServerCommand(built ? "start" : "dev", port, "127.0.0.1");
  const child = spawn(command, args, {
    env: {
      ...env,
      ...platform.childEnv,
      NEXT_TELEMETRY_DISABLED: "1",
      PORTICO_TENANT_TIMEOUT_MS: "2000",
      PORTICO_PUBLIC_SCHEME: "http",
      PORTICO_PUBLIC_PORT: String(port),
      PORTICO_DEV_OUTBOX: "true",
      PORTICO_DNS_SERVERS: dns.address,
      PORTICO_AUDIT_SINKS_ALLOW_PRIVATE: "true",
    },
    stdio: "inherit",
  });
  const stop = async () => {
    child.kill("SIGTERM");
    await worker.stop().catch(() => {});
    await platform.deps.control.$disconnect().catch(() => {});
    await platform.embedded?.stop().catch(() => {});
    await rm(dir, { recursive: true, force: true });
    await rm(stateFile, { force: true });
    await dns.close().catch(() => {});
    await rm(dnsFile, { force: true });
    process.exit(0);
  };
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());
  child.on("exit", () => void stop());
}

main().catch(fail);
