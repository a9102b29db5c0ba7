import pg from "pg";
import { InvalidInput } from "../util/errors.ts";

/**
 * Administrative PostgreSQL helpers: identifiers, URLs and the DDL that cannot take bind
 * parameters (CREATE ROLE / DATABASE). Every identifier passes quoteIdent, which accepts only
 * names Portico itself derived from a validated slug.
 */

const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;

export function quoteIdent(name: string): string {
  if (!IDENT.test(name)) {
    throw new InvalidInput(
      `"${name.slice(0, 70)}" is not a safe PostgreSQL identifier (a-z, 0-9, _; at most 63 bytes)`,
    );
  }
  return `"${name}"`;
}

export function quoteLiteral(value: string): string {
  if (!/^[A-Za-z0-9]*$/.test(value)) throw new InvalidInput("literal contains characters Portico never generates");
  return `'${value}'`;
}

/** Same server as `baseUrl`, other credentials and database. */
export function withCredentials(baseUrl: string, user: string, password: string, database: string): string {
  const url = new URL(baseUrl);
  url.username = encodeURIComponent(user);
  url.password = encodeURIComponent(password);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

export function withDatabase(baseUrl: string, database: string): string {
  const url = new URL(baseUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

export function serverAddress(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port || 5432) };
}

/** A single connection; the caller ends it. */
export async function connect(connectionString: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 5_000 });
  client.on("error", () => {}); // a dropped connection surfaces on the next query instead
  await client.connect();
  return client;
}

/** Runs `fn` with a short-lived single connection and always closes it. */
export async function withClient<T>(connectionString: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = await connect(connectionString);
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

export async function databaseExists(admin: pg.ClientBase, name: string): Promise<boolean> {
  const res = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
  return res.rowCount === 1;
}

export async function roleExists(admin: pg.ClientBase, name: string): Promise<boolean> {
  const res = await admin.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [name]);
  return res.rowCount === 1;
}

/** Creates or re-keys a login role that may do nothing beyond what its own database grants. */
/**
 * PBKDF2 iterations for tenant roles' SCRAM verifiers. The default 4096 protects guessable
 * passwords; ours are 192 random bits, which no iteration count makes easier or harder to guess,
 * while every new connection pays the iterations on both ends (docs/decisions/013).
 */
export const TENANT_SCRAM_ITERATIONS = 128;

export async function ensureRole(admin: pg.ClientBase, name: string, password: string): Promise<void> {
  // scram_iterations exists from PostgreSQL 16; older servers keep their default.
  await admin.query(
    `SELECT set_config('scram_iterations', $1, false) FROM (SELECT current_setting('scram_iterations', true) AS s) AS known WHERE known.s IS NOT NULL`,
    [String(TENANT_SCRAM_ITERATIONS)],
  );
  const attributes = `WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS CONNECTION LIMIT 20 PASSWORD ${quoteLiteral(password)}`;
  if (!(await roleExists(admin, name))) {
    try {
      await admin.query(`CREATE ROLE ${quoteIdent(name)} ${attributes}`);
      return;
    } catch (error) {
      // 42710 duplicate_object: a concurrent run created it first; 23505: it is creating it right
      // now (the unique index on role names). Fall through and set it.
      const code = (error as { code?: string }).code;
      if (code !== "42710" && code !== "23505") throw error;
    }
  }
  await admin.query(`ALTER ROLE ${quoteIdent(name)} ${attributes}`);
}

/**
 * Creates a database owned by `owner` that only `owner` may connect to. CREATE DATABASE cannot
 * run in a transaction, so this checks first and is safe to repeat.
 */
export async function ensureDatabase(admin: pg.ClientBase, name: string, owner: string): Promise<void> {
  if (!(await databaseExists(admin, name))) {
    try {
      await admin.query(`CREATE DATABASE ${quoteIdent(name)} OWNER ${quoteIdent(owner)}`);
    } catch (error) {
      // 42P04 duplicate_database: a concurrent run won the race; the database is there.
      if ((error as { code?: string }).code !== "42P04") throw error;
    }
  }
  // One simple-protocol query: the three run in one implicit transaction, with one commit.
  await admin.query(
    `ALTER DATABASE ${quoteIdent(name)} OWNER TO ${quoteIdent(owner)}; ` +
      `REVOKE ALL ON DATABASE ${quoteIdent(name)} FROM PUBLIC; ` +
      `GRANT CONNECT, TEMPORARY ON DATABASE ${quoteIdent(name)} TO ${quoteIdent(owner)}`,
  );
}

export async function dropDatabaseIfExists(admin: pg.ClientBase, name: string): Promise<void> {
  await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
}

export async function dropRoleIfExists(admin: pg.ClientBase, name: string): Promise<void> {
  await admin.query(`DROP ROLE IF EXISTS ${quoteIdent(name)}`);
}

/** No role but the owner and superusers may connect to `database` (security case 15). */
export async function revokePublicConnect(admin: pg.ClientBase, database: string): Promise<void> {
  await admin.query(`REVOKE CONNECT, TEMPORARY ON DATABASE ${quoteIdent(database)} FROM PUBLIC`);
}

const adminPools = new Map<string, pg.Pool>();

/**
 * An administrative session on a server's `postgres` database from a small pool kept per URL, so
 * provisioning several tenants in a row pays the connection handshake once. Idle sessions close
 * after ten seconds and never keep the process alive. Release it with `release(failed)`: a
 * session that saw an error is not reused.
 */
export async function openAdminSession(
  adminUrl: string,
): Promise<{ client: pg.ClientBase; release(failed: boolean): void }> {
  let pool = adminPools.get(adminUrl);
  if (!pool) {
    pool = new pg.Pool({
      connectionString: withDatabase(adminUrl, "postgres"),
      max: 2,
      idleTimeoutMillis: 10_000,
      allowExitOnIdle: true,
      connectionTimeoutMillis: 5_000,
    });
    pool.on("error", () => {}); // an idle session lost with its server is simply replaced
    adminPools.set(adminUrl, pool);
  }
  const client = await pool.connect();
  return { client, release: (failed) => client.release(failed) };
}
