import "server-only";
import { randomBytes } from "node:crypto";
import { chown, mkdir, open, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import type { ControlDb } from "../db/control.server.ts";
import { unseal } from "../db/keyring.server.ts";
import { withClient, withDatabase } from "../db/postgres.ts";
import { normalisePostgresUrl, tlsOf, withTls } from "../db/tls.ts";
import { tenantsChangedStatement } from "../tenancy/invalidation.server.ts";
import { InvalidInput, errorMessage } from "../util/errors.ts";
import type { ProvisionDeps } from "./servers.server.ts";

/**
 * PgBouncer in front of a tenant database server (docs/decisions/038). Tenants' request traffic
 * goes through it in transaction pooling mode; it authenticates each tenant's own role from an
 * `auth_file` that Portico writes: every role placed on the server, with the SCRAM secret
 * PostgreSQL holds for it (pg_authid), never a password. PgBouncer then logs in to PostgreSQL
 * with the keys the client proved it has (SCRAM pass-through), so the secret in the file must be
 * the server's own. After each change the file is replaced whole and PgBouncer told to RELOAD
 * through its admin console, reached as the server's administrative role (listed in
 * PgBouncer's `admin_users`).
 */

export interface PoolerConfig {
  /** postgres://host:port, optionally with sslmode/sslrootcert; no credentials, no database. */
  url: string;
  /** Absolute path of the auth_file PgBouncer reads. */
  authFile: string;
}

/** Serialises writers of one server's auth file (several instances, operations at once). */
const AUTH_FILE_LOCK = 0x706762_17;

/** A pooler URL checked and normalised; refused with what to write instead. */
export function parsePoolerUrl(raw: string): string {
  let url: URL;
  try {
    if (!/^postgres(ql)?:\/\//.test(raw)) throw new Error("scheme");
    url = new URL(raw);
  } catch {
    throw new InvalidInput(`the pooler address must be a postgres:// URL such as postgres://127.0.0.1:6432`);
  }
  if (url.username || url.password)
    throw new InvalidInput(
      "the pooler URL carries no credentials: tenants log in with their own roles and Portico reaches the admin console as the server's administrator",
    );
  if (url.pathname && url.pathname !== "/")
    throw new InvalidInput(
      "the pooler URL names no database: PgBouncer serves each tenant's own (postgres://host:port)",
    );
  if (!url.hostname) throw new InvalidInput("the pooler URL needs a host, e.g. postgres://127.0.0.1:6432");
  url.pathname = "";
  return normalisePostgresUrl(url.toString().replace(/\/$/, ""));
}

function checkAuthFilePath(file: string): void {
  if (!path.isAbsolute(file))
    throw new InvalidInput(`the auth file must be an absolute path (the one in PgBouncer's auth_file), not ${file}`);
}

/** `url`'s host, port and TLS, as the admin URL's user, on PgBouncer's `pgbouncer` console database. */
export function consoleUrl(poolerUrl: string, adminUrl: string): string {
  const pooler = new URL(poolerUrl);
  const admin = new URL(adminUrl);
  const url = new URL("postgres://localhost/pgbouncer");
  url.hostname = pooler.hostname;
  url.port = pooler.port || "5432";
  url.username = admin.username;
  url.password = admin.password;
  return withTls(url.toString(), tlsOf(poolerUrl));
}

/** Where the pooler is, for messages: host:port. */
export function poolerAddress(poolerUrl: string): string {
  const url = new URL(poolerUrl);
  return `${url.hostname}:${url.port || 5432}`;
}

/**
 * The auth_file lines for `roles`, read from pg_authid (superuser only). A role without a SCRAM
 * secret cannot be passed through by PgBouncer, so it is refused with the fix.
 */
export async function authFileText(admin: pg.ClientBase, roles: string[]): Promise<{ text: string; count: number }> {
  let rows: Array<{ rolname: string; rolpassword: string | null }>;
  try {
    rows = (
      await admin.query<{ rolname: string; rolpassword: string | null }>(
        "SELECT rolname, rolpassword FROM pg_authid WHERE rolname = ANY($1::text[]) AND rolcanlogin ORDER BY rolname",
        [[...new Set(roles)]],
      )
    ).rows;
  } catch (error) {
    if ((error as { code?: string }).code === "42501")
      throw new InvalidInput(
        "PgBouncer's auth file needs the tenant roles' SCRAM secrets, which only a superuser may read (pg_authid): register the server with a superuser's administrative URL",
      );
    throw error;
  }
  const lines: string[] = [];
  for (const row of rows) {
    if (!row.rolpassword?.startsWith("SCRAM-SHA-256$"))
      throw new InvalidInput(
        `role ${row.rolname} has no SCRAM-SHA-256 secret, which PgBouncer needs to log in as it: set password_encryption = scram-sha-256 on the server and rotate its password (npm run tenants -- rotate-credentials)`,
      );
    // Role names are Portico's own identifiers and secrets are base64, '$' and ':'; neither holds a quote.
    lines.push(`"${row.rolname.replaceAll('"', '""')}" "${row.rolpassword}"`);
  }
  return { text: lines.length ? `${lines.join("\n")}\n` : "", count: rows.length };
}

/**
 * Replaces `file` whole (a new file renamed over it), mode 0600. PgBouncer never reads half a
 * file. The new file keeps the owner of the one it replaces, so a file the operator gave to
 * PgBouncer's user stays readable by it.
 */
export async function writeAuthFile(file: string, text: string): Promise<void> {
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const previous = await stat(file).catch(() => null);
  const temporary = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString("hex")}`);
  const handle = await open(temporary, "wx", 0o600);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    if (previous && (previous.uid !== process.getuid?.() || previous.gid !== process.getgid?.()))
      await chown(temporary, previous.uid, previous.gid).catch(() => {});
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** Tells PgBouncer to read its configuration and auth file again. */
export async function reloadPooler(poolerUrl: string, adminUrl: string): Promise<void> {
  // The admin console speaks only the simple query protocol: a query without parameters.
  const client = new pg.Client({ connectionString: consoleUrl(poolerUrl, adminUrl), connectionTimeoutMillis: 5_000 });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("RELOAD");
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "28P01" || code === "28000" || /SASL authentication failed/.test(errorMessage(error)))
      throw new InvalidInput(
        `PgBouncer at ${poolerAddress(poolerUrl)} refused the server's administrator on its console (${errorMessage(error)}): the auth file is written, but PgBouncer has not read it yet. Restart PgBouncer once (or send it SIGHUP) and run this again; check that this user is in its admin_users and that its auth_file is the path given to Portico`,
      );
    throw new InvalidInput(
      `PgBouncer at ${poolerAddress(poolerUrl)} did not take RELOAD (${errorMessage(error)}); check it runs, that auth_file is the path given to Portico and that the server's administrative user is in admin_users`,
    );
  } finally {
    await client.end().catch(() => {});
  }
}

async function writeAndReload(
  adminUrl: string,
  roles: string[],
  config: PoolerConfig,
): Promise<{ roles: number; file: string }> {
  return withClient(withDatabase(adminUrl, "postgres"), async (admin) => {
    // A session lock on a direct administrative connection, ended with it.
    await admin.query("SELECT pg_advisory_lock($1)", [AUTH_FILE_LOCK]);
    const { rows } = await admin.query<{ user: string }>("SELECT current_user AS user");
    const { text, count } = await authFileText(admin, [rows[0]!.user, ...roles]);
    await writeAuthFile(config.authFile, text);
    await reloadPooler(config.url, adminUrl);
    return { roles: count, file: config.authFile };
  });
}

/** The auth file text for the administrative user alone: what PgBouncer needs at its first start. */
export async function consoleAuthFileText(adminUrl: string): Promise<string> {
  return withClient(withDatabase(adminUrl, "postgres"), async (admin) => {
    const { rows } = await admin.query<{ user: string }>("SELECT current_user AS user");
    return (await authFileText(admin, [rows[0]!.user])).text;
  });
}

/**
 * Rewrites the server's auth file from the roles placed on it (plus `include`, for a tenant
 * arriving by a move before its placement switches) and reloads PgBouncer. Nothing to do for a
 * server without a pooler.
 */
export async function syncPoolerAuth(
  deps: Pick<ProvisionDeps, "control" | "keyring">,
  serverId: string,
  include: string[] = [],
): Promise<{ roles: number; file: string } | null> {
  const server = await deps.control.databaseServer.findUniqueOrThrow({
    where: { id: serverId },
    select: { poolerUrl: true, poolerAuthFile: true, adminUrlCiphertext: true, keyId: true },
  });
  if (!server.poolerUrl || !server.poolerAuthFile) return null;
  const adminUrl = unseal({ ciphertext: server.adminUrlCiphertext, keyId: server.keyId }, deps.keyring);
  return writeAndReload(adminUrl, [...(await placedRoles(deps.control, serverId)), ...include], {
    url: server.poolerUrl,
    authFile: server.poolerAuthFile,
  });
}

async function placedRoles(control: ControlDb, serverId: string): Promise<string[]> {
  const rows = await control.tenantDatabase.findMany({ where: { serverId }, select: { roleName: true } });
  return rows.map((r) => r.roleName);
}

/**
 * Puts PgBouncer in front of a registered server, or (null) takes it away. The auth file is
 * written and PgBouncer reloaded before anything is stored, so a pooler that does not answer is
 * refused with the reason and the server stays as it was. Every running instance then reconnects
 * its tenants on that server the new way.
 */
export async function setServerPooler(
  deps: Pick<ProvisionDeps, "control" | "keyring">,
  serverName: string,
  config: PoolerConfig | null,
): Promise<{ roles: number; address: string | null }> {
  const server = await deps.control.databaseServer.findUnique({
    where: { name: serverName },
    select: { id: true, adminUrlCiphertext: true, keyId: true },
  });
  if (!server) {
    const names = (await deps.control.databaseServer.findMany({ select: { name: true } })).map((s) => s.name);
    throw new InvalidInput(`no database server named "${serverName}"; registered: ${names.join(", ") || "none"}`);
  }
  let roles = 0;
  let stored: PoolerConfig | null = null;
  if (config) {
    stored = { url: parsePoolerUrl(config.url), authFile: config.authFile };
    checkAuthFilePath(stored.authFile);
    const adminUrl = unseal({ ciphertext: server.adminUrlCiphertext, keyId: server.keyId }, deps.keyring);
    roles = (await writeAndReload(adminUrl, await placedRoles(deps.control, server.id), stored)).roles;
  }
  const tenantIds = (
    await deps.control.tenantDatabase.findMany({ where: { serverId: server.id }, select: { tenantId: true } })
  ).map((t) => t.tenantId);
  await deps.control.$transaction([
    deps.control.databaseServer.update({
      where: { id: server.id },
      data: { poolerUrl: stored?.url ?? null, poolerAuthFile: stored?.authFile ?? null },
    }),
    tenantsChangedStatement(deps.control, tenantIds),
  ]);
  return { roles, address: stored ? poolerAddress(stored.url) : null };
}
