import "server-only";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseEnv, parseTenantServers, type Env } from "../config/env.server.ts";
import { connectionAdvice } from "../db/connection-advice.ts";
import { createControlDb, type ControlDb } from "../db/control.server.ts";
import { startEmbeddedPostgres, type EmbeddedServer } from "../db/embedded.server.ts";
import { keyringFrom } from "../db/keyring.server.ts";
import { ConfigError, errorMessage } from "../util/errors.ts";
import { ensureAppRole, migrateControlPlane, prepareControlPlane } from "./control-plane.server.ts";
import { registerServers, type ProvisionDeps } from "../provisioning/servers.server.ts";
import { adoptDefaultRegion } from "../tenancy/regions.ts";

/**
 * Brings up what the app needs before it can serve: a control plane (the configured one, or an
 * embedded PostgreSQL under .data/), migrated, with the tenant database servers registered.
 * Shared by `npm run dev`, `npm start`, the tenants CLI, the browser tests and the benchmarks.
 */
export interface Bootstrapped {
  env: Env;
  deps: ProvisionDeps & { control: ControlDb };
  embedded: EmbeddedServer | null;
  /** The administrative control-plane URL: migrations, provisioning, the CLI. */
  controlUrl: string;
  /** Variables the Next.js process needs: the control-plane URL and the secret key. */
  childEnv: { DATABASE_URL: string; PORTICO_SECRET_KEY: string; PORTICO_EXPORTS_DIR: string };
  /** Where tenant exports go (PORTICO_EXPORTS_DIR, default <data dir>/exports). */
  exportsDir: string;
  /** Where backups go when no S3 bucket is configured (PORTICO_BACKUP_DIR, default <data dir>/backups). */
  backupsDir: string;
  close(): Promise<void>;
}

export interface BootstrapOptions {
  /** Where the embedded server keeps its data; default .data */
  dataDir?: string;
  /** Port for a newly created embedded server; default 54329. */
  embeddedPort?: number;
  source?: Record<string, string | undefined>;
  log?: (line: string) => void;
  /** Extra `postgres -c` settings for the embedded server (benchmarks raise max_connections). */
  embeddedSettings?: Record<string, string | number>;
  /**
   * Without DATABASE_URL, start the embedded PostgreSQL even when PORTICO_EMBEDDED is not set:
   * `npm run dev` and the CLI outside NODE_ENV=production. Production (`npm start`) leaves it
   * unset, so a forgotten DATABASE_URL stops the start instead of serving from .data/.
   */
  embeddedByDefault?: boolean;
}

/** Whether this start uses the embedded database; refuses a production start without a choice. */
export function chooseDatabase(
  env: Pick<Env, "DATABASE_URL" | "PORTICO_EMBEDDED">,
  embeddedByDefault: boolean,
): "configured" | "embedded" {
  if (env.DATABASE_URL && env.PORTICO_EMBEDDED) {
    throw new ConfigError(
      "DATABASE_URL and PORTICO_EMBEDDED=true are both set: unset PORTICO_EMBEDDED to use the database at DATABASE_URL, or unset DATABASE_URL to use the embedded one.",
    );
  }
  if (env.DATABASE_URL) return "configured";
  if (env.PORTICO_EMBEDDED || embeddedByDefault) return "embedded";
  throw new ConfigError(
    "DATABASE_URL is not set. In production Portico uses your PostgreSQL: set DATABASE_URL=postgres://user:pass@host:5432/portico " +
      "(with ?sslmode=verify-full&sslrootcert=/path/ca.pem for TLS) and PORTICO_SECRET_KEY. " +
      "To run on the embedded database under .data/ instead, set PORTICO_EMBEDDED=true. See README.md → Production.",
  );
}

/** A random secret kept beside the embedded data (base64 for keys, hex for passwords). */
async function localSecret(
  dataDir: string,
  name: string,
  bytes: number,
  encoding: "base64" | "hex" = "hex",
): Promise<string> {
  const file = path.join(dataDir, name);
  if (existsSync(file)) return (await readFile(file, "utf8")).trim();
  await mkdir(dataDir, { recursive: true });
  const value = randomBytes(bytes).toString(encoding);
  await writeFile(file, `${value}\n`, { mode: 0o600 });
  return value;
}

export async function bootstrap(options: BootstrapOptions = {}): Promise<Bootstrapped> {
  const env = parseEnv(options.source ?? process.env);
  const log = options.log ?? (() => {});
  const dataDir = path.resolve(options.dataDir ?? ".data");
  let embedded: EmbeddedServer | null = null;
  let controlUrl: string;
  let appUrl: string;
  let secretKey: string;
  let servers = parseTenantServers(env.PORTICO_TENANT_SERVERS);

  if (chooseDatabase(env, options.embeddedByDefault ?? false) === "configured" && env.DATABASE_URL) {
    if (!env.PORTICO_SECRET_KEY) {
      throw new ConfigError(
        "PORTICO_SECRET_KEY must be set when DATABASE_URL is (openssl rand -base64 32). See README.md → Configuration.",
      );
    }
    secretKey = env.PORTICO_SECRET_KEY;
    controlUrl = env.DATABASE_URL;
    log(`control plane: ${redact(controlUrl)}`);
    await migrateControlPlane(controlUrl).catch((error: unknown) => {
      throw new ConfigError(
        `cannot use the control-plane database at ${redact(controlUrl)}: ${connectionAdvice(error) ?? errorMessage(error)}. Check DATABASE_URL, or unset it to use the embedded database.`,
        { cause: error },
      );
    });
    if (servers.length === 0) servers = [{ name: "default", adminUrl: controlUrl }];
    appUrl = controlUrl; // the operator chooses this role's privileges (README → Configuration)
  } else {
    const t0 = performance.now();
    embedded = await startEmbeddedPostgres({
      dir: dataDir,
      port: options.embeddedPort,
      ...(options.embeddedSettings ? { settings: options.embeddedSettings } : {}),
    });
    log(
      `embedded PostgreSQL ${embedded.started ? "started" : "already running"} on 127.0.0.1:${embedded.port} (${Math.round(performance.now() - t0)} ms, data in ${path.relative(process.cwd(), dataDir) || dataDir}/pg)`,
    );
    secretKey = env.PORTICO_SECRET_KEY ?? (await localSecret(dataDir, "secret.key", 32, "base64"));
    controlUrl = (await prepareControlPlane(embedded.url, "portico")).url;
    if (servers.length === 0) servers = [{ name: "embedded", adminUrl: embedded.url }];
    appUrl = await ensureAppRole(embedded.url, "portico", await localSecret(dataDir, "app-role.password", 18));
  }

  const exportsDir = path.resolve(env.PORTICO_EXPORTS_DIR ?? path.join(dataDir, "exports"));
  // Only the exports directory itself is private: a parent created here (e.g. .data) must stay
  // traversable for the embedded server, which runs as its own user when we are root.
  await mkdir(path.dirname(exportsDir), { recursive: true });
  await mkdir(exportsDir, { recursive: true, mode: 0o700 });
  const backupsDir = path.resolve(env.PORTICO_BACKUP_DIR ?? path.join(dataDir, "backups"));
  await mkdir(path.dirname(backupsDir), { recursive: true });
  await mkdir(backupsDir, { recursive: true, mode: 0o700 });
  const control = createControlDb(controlUrl, 4);
  const keyring = keyringFrom(secretKey, env.PORTICO_SECRET_KEY_ID, env.PORTICO_PREVIOUS_SECRET_KEYS);
  const adopted = await adoptDefaultRegion(control); // decision 053: before servers get regions
  if (adopted.servers + adopted.tenants > 0)
    log(`regions: ${adopted.servers} server(s) and ${adopted.tenants} tenant(s) placed in the default region`);
  await registerServers({ control, keyring }, servers);
  return {
    env,
    deps: { control, keyring, spares: env.PORTICO_SPARE_DATABASES },
    embedded,
    controlUrl,
    // The web app gets the least-privileged control-plane role, never the administrative one.
    childEnv: { DATABASE_URL: appUrl, PORTICO_SECRET_KEY: secretKey, PORTICO_EXPORTS_DIR: exportsDir },
    exportsDir,
    backupsDir,
    close: async () => {
      await control.$disconnect();
      await embedded?.stop();
    },
  };
}

export function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = "***";
  return u.toString();
}
