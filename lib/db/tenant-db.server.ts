import "server-only";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { TenantUnavailable } from "../util/errors.ts";
import type { ControlDb } from "./control.server.ts";
import type { PooledClient } from "./client-cache.ts";
import { PrismaClient } from "./generated/tenant/client.ts";
import { type Keyring, unseal } from "./keyring.server.ts";
import { SERVER_ADDRESS, SSL_MODES, tlsOf, withTls, type ServerAddress, type SslMode } from "./tls.ts";

export { SERVER_ADDRESS, type ServerAddress };

export type TenantDb = PrismaClient;
export type * as TenantModels from "./generated/tenant/client.ts";

export interface TenantPoolOptions {
  poolSize: number;
  /** Close a connection unused for this long. */
  idleMs: number;
  connectTimeoutMs: number;
}

/**
 * How a tenant connection reaches its server. `pooled` is for request traffic only: through the
 * server's PgBouncer (transaction pooling) when it has one, else direct. Everything that needs a
 * session of its own (migrations and their advisory lock, moves, exports, provisioning, seeding)
 * connects `direct` (docs/decisions/038).
 */
export type TenantRoute = "direct" | "pooled";

/**
 * The URL a tenant's own role connects with. Built from the server's host and port, never from
 * its admin URL: request paths hold only the tenant's credentials.
 */
export async function tenantConnectionUrl(
  control: ControlDb,
  keyring: Keyring,
  tenantId: string,
  route: TenantRoute = "direct",
): Promise<string> {
  const db = await control.tenantDatabase.findUnique({
    where: { tenantId },
    include: { server: { select: SERVER_ADDRESS } },
  });
  if (!db) throw new TenantUnavailable(tenantId, "this tenant has no database registered");
  return buildTenantUrl(db.server, db, unseal({ ciphertext: db.passwordCiphertext, keyId: db.keyId }, keyring), route);
}

/** host:port of the PgBouncer a `pooled` connection to this server goes through, or null. */
export function poolerOf(server: ServerAddress): string | null {
  if (!server.poolerUrl) return null;
  const url = new URL(server.poolerUrl);
  return `${url.hostname}:${url.port || 5432}`;
}

/** A tenant's pooled URL and the pooler it goes through (null: direct). */
export async function tenantRequestConnection(
  control: ControlDb,
  keyring: Keyring,
  tenantId: string,
): Promise<{ url: string; pooler: string | null }> {
  const db = await control.tenantDatabase.findUnique({
    where: { tenantId },
    include: { server: { select: SERVER_ADDRESS } },
  });
  if (!db) throw new TenantUnavailable(tenantId, "this tenant has no database registered");
  const password = unseal({ ciphertext: db.passwordCiphertext, keyId: db.keyId }, keyring);
  return { url: buildTenantUrl(db.server, db, password, "pooled"), pooler: poolerOf(db.server) };
}

/**
 * The server's TLS settings apply to its tenants' connections exactly as to its own (lib/db/tls.ts);
 * through a pooler, the pooler URL's own address and TLS settings apply instead.
 */
export function buildTenantUrl(
  server: ServerAddress,
  db: { roleName: string; databaseName: string },
  password: string,
  route: TenantRoute = "direct",
): string {
  const pooler = route === "pooled" && server.poolerUrl ? new URL(server.poolerUrl) : null;
  const url = new URL("postgres://localhost");
  url.hostname = pooler ? pooler.hostname : server.host;
  url.port = pooler ? pooler.port || "5432" : String(server.port);
  url.username = db.roleName;
  url.password = password;
  url.pathname = `/${db.databaseName}`;
  if (pooler) return withTls(url.toString(), tlsOf(server.poolerUrl!));
  const sslMode =
    server.sslMode && (SSL_MODES as readonly string[]).includes(server.sslMode) ? (server.sslMode as SslMode) : null;
  return withTls(url.toString(), { sslMode, sslRootCert: server.sslRootCert ?? null });
}

const CONNECT_TIMEOUT = "Connection terminated due to connection timeout";
const WAIT_TIMEOUT = "timeout exceeded when trying to connect";

/**
 * A pool that is patient with a server that is busy, not down. A new connection the server took
 * but did not finish opening in time is tried once more: nothing was sent on it, so a second try
 * is always safe. A request that began waiting for a connection while the pool was still opening
 * one (a brand-new tenant's first page, a pool refilling after idling out) waits once more too:
 * its wait was spent on handshakes, not on other requests' work. Only two timeouts in a row are
 * reported; a pool whose open connections all stay busy still answers after one wait
 * (decision 060). Queries (`pool.query`) and transactions (`pool.connect()`) both come through here.
 */
export class PatientPool extends pg.Pool {
  /** The clients that finished opening, so the pool can tell opening from busy. */
  private readonly opened = new Set<pg.PoolClient>();

  constructor(config?: pg.PoolConfig) {
    super(config);
    this.on("connect", (client) => this.opened.add(client));
    this.on("remove", (client) => this.opened.delete(client));
  }

  override connect(): Promise<pg.PoolClient>;
  override connect(
    callback: (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void,
  ): void;
  override connect(
    callback?: (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void,
  ): Promise<pg.PoolClient> | void {
    const opening = this.totalCount > this.opened.size;
    const attempt = (): Promise<pg.PoolClient> => super.connect();
    const connected = attempt().catch((error: unknown) => {
      const again =
        error instanceof Error &&
        (error.message === CONNECT_TIMEOUT || (error.message === WAIT_TIMEOUT && opening)) &&
        !this.ended;
      return again ? attempt() : Promise.reject(error);
    });
    if (!callback) return connected;
    connected.then(
      (client) => callback(undefined, client, (release) => client.release(release as Error | boolean | undefined)),
      (error: Error) => callback(error, undefined, () => {}),
    );
  }
}

/** A Prisma client over a small pool of its own, so the cache can count and close connections. */
export function createTenantDb(
  connectionString: string,
  label: string,
  options: TenantPoolOptions,
): PooledClient<TenantDb> {
  const pool = new PatientPool({
    connectionString,
    max: options.poolSize,
    idleTimeoutMillis: options.idleMs,
    connectionTimeoutMillis: options.connectTimeoutMs,
    application_name: `portico:${label}`.slice(0, 63),
  });
  // An idle connection the server closed (restart, drop) must not crash the process.
  pool.on("error", () => {});
  // A transaction waits for one of the pool's connections as long as a single query does;
  // Prisma's shorter default failed a burst of registrations that were merely queued.
  const client = new PrismaClient({
    adapter: new PrismaPg(pool),
    transactionOptions: { maxWait: options.connectTimeoutMs },
  });
  return {
    client,
    openConnections: () => pool.totalCount,
    close: async () => {
      await client.$disconnect().catch(() => {});
      if (!pool.ended) await pool.end();
    },
  };
}

/**
 * Runs `fn` on a client of one connection of its own at `url`, closed afterwards: for a worker's,
 * a restore's or the command line's single piece of work on a tenant database, outside the cache.
 */
export async function withOneTenantDb<T>(url: string, label: string, fn: (db: TenantDb) => Promise<T>): Promise<T> {
  const pooled = createTenantDb(url, label, { poolSize: 1, idleMs: 1_000, connectTimeoutMs: 10_000 });
  try {
    return await fn(pooled.client);
  } finally {
    await pooled.close();
  }
}
