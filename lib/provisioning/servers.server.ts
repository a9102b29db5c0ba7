import "server-only";
import type { ControlDb } from "../db/control.server.ts";
import { dropDatabaseIfExists, dropRoleIfExists, serverAddress, withClient, withDatabase } from "../db/postgres.ts";
import { normalisePostgresUrl, tlsOf } from "../db/tls.ts";
import { seal, unseal, type Keyring } from "../db/keyring.server.ts";
import type { TenantServerConfig } from "../config/env.server.ts";
import { InvalidInput, errorMessage } from "../util/errors.ts";
import type { HostConfig } from "../tenancy/host.ts";
import type { Invitations } from "../mail/invitations.ts";
import { assertRegion, regionConfig } from "../tenancy/regions.ts";

export interface ProvisionDeps {
  control: ControlDb;
  keyring: Keyring;
  /** Needed only to invite a first admin: mail transport, public links, host configuration. */
  invitations?: Invitations & { hosts: HostConfig };
  /** Spare databases to keep ready per server (PORTICO_SPARE_DATABASES; decision 015). None when absent. */
  spares?: number;
}

/**
 * Registers (or updates) the tenant database servers named in the configuration. The server's
 * TLS settings (sslmode, sslrootcert in its URL) are kept beside its address, so every tenant
 * connection to it uses them too (lib/db/tls.ts). A server's region is the configured one, or the
 * default region when it is first registered (decision 053); a region not configured is refused.
 */
export async function registerServers(deps: ProvisionDeps, servers: TenantServerConfig[]): Promise<void> {
  for (const server of servers) {
    const region = server.region === undefined ? undefined : assertRegion(server.region);
    const adminUrl = normalisePostgresUrl(server.adminUrl);
    const { host, port } = serverAddress(adminUrl);
    const { sslMode, sslRootCert } = tlsOf(adminUrl);
    const sealed = seal(adminUrl, deps.keyring);
    const fields = { host, port, sslMode, sslRootCert, adminUrlCiphertext: sealed.ciphertext, keyId: sealed.keyId };
    await deps.control.databaseServer.upsert({
      where: { name: server.name },
      create: { name: server.name, ...fields, region: region ?? regionConfig().defaultRegion },
      update: region === undefined ? fields : { ...fields, region },
    });
  }
}

/**
 * The named server, or the one with the fewest tenants, within the tenant's region (decision
 * 053): a tenant's database is never placed outside it. Spare databases are kept per server
 * (decision 015), so a claimed spare is in the region too.
 */
export async function placeTenant(
  deps: ProvisionDeps,
  serverName: string | undefined,
  region: string,
): Promise<{ id: string; name: string }> {
  const all = await deps.control.databaseServer.findMany({
    select: { id: true, name: true, region: true, _count: { select: { databases: true } } },
    orderBy: { name: "asc" },
  });
  if (all.length === 0)
    throw new InvalidInput("no database server is registered: set PORTICO_TENANT_SERVERS or run `npm run dev`");
  const servers = all.filter((s) => s.region === region);
  if (serverName) {
    const named = all.find((s) => s.name === serverName);
    if (!named)
      throw new InvalidInput(
        `no database server named "${serverName}"; registered: ${all.map((s) => s.name).join(", ")}`,
      );
    if (named.region !== region)
      throw new InvalidInput(
        `server "${serverName}" is in region "${named.region}", not the tenant's region "${region}"; choose a server in ${region}${servers.length ? ` (${servers.map((s) => s.name).join(", ")})` : ""} or Automatic`,
      );
    return { id: named.id, name: named.name };
  }
  if (servers.length === 0)
    throw new InvalidInput(
      `no database server is in region "${region}"; register one there (npm run tenants -- servers add <name> <url> --region ${region}, or PORTICO_TENANT_SERVERS name@${region}=postgres://…) or choose another region`,
    );
  const least = servers.reduce((a, b) => (b._count.databases < a._count.databases ? b : a));
  return { id: least.id, name: least.name };
}

/** The server's administrative URL, unsealed. Provisioning only; never on a request path. */
export async function serverAdminUrl(deps: ProvisionDeps, serverId: string): Promise<string> {
  const server = await deps.control.databaseServer.findUniqueOrThrow({ where: { id: serverId } });
  return unseal({ ciphertext: server.adminUrlCiphertext, keyId: server.keyId }, deps.keyring);
}

/** Runs `fn` with an administrative connection to the server's `postgres` database. */
export async function withServerAdmin<T>(
  deps: ProvisionDeps,
  serverId: string,
  fn: Parameters<typeof withClient<T>>[1],
): Promise<T> {
  return withClient(withDatabase(await serverAdminUrl(deps, serverId), "postgres"), fn);
}

/** Drops a tenant's database and role on its server (idempotent); returns what was dropped. */
export async function dropTenantDatabase(
  deps: ProvisionDeps,
  db: { serverId: string; databaseName: string; roleName: string },
): Promise<string[]> {
  await withServerAdmin(deps, db.serverId, async (admin) => {
    await dropDatabaseIfExists(admin, db.databaseName);
    await dropRoleIfExists(admin, db.roleName);
  });
  return [`database ${db.databaseName}`, `role ${db.roleName}`];
}

/**
 * Registers a new database server after checking it: reachable within five seconds, and the
 * URL's user may create roles and databases. Nothing is stored when a check fails.
 */
export async function addServer(
  deps: ProvisionDeps,
  name: string,
  adminUrl: string,
  region?: string,
): Promise<{ host: string; port: number }> {
  if (region !== undefined) assertRegion(region);
  if (!/^[a-z][a-z0-9-]{0,62}$/.test(name))
    throw new InvalidInput(
      `"${name}" is not a usable server name: lower-case letters, digits and hyphens, starting with a letter`,
    );
  let address: { host: string; port: number };
  try {
    if (!/^postgres(ql)?:\/\//.test(adminUrl)) throw new Error("not postgres");
    address = serverAddress(adminUrl);
  } catch {
    throw new InvalidInput(
      "the administrative URL is not a postgres:// URL, e.g. postgres://admin:secret@db2.internal:5432/postgres",
    );
  }
  adminUrl = normalisePostgresUrl(adminUrl); // a bad sslmode or unreadable CA file is refused here
  if (await deps.control.databaseServer.findUnique({ where: { name }, select: { id: true } })) {
    throw new InvalidInput(`a server named "${name}" is already registered; choose another name`);
  }
  const rights = await withClient(
    withDatabase(adminUrl, "postgres"),
    async (c) =>
      (
        await c.query<{ ok: boolean }>(
          "SELECT rolsuper OR (rolcreaterole AND rolcreatedb) AS ok FROM pg_roles WHERE rolname = current_user",
        )
      ).rows[0]?.ok ?? false,
  ).catch((error: unknown) => {
    throw new InvalidInput(
      `cannot reach ${address.host}:${address.port} as its administrator (${errorMessage(error)}); check the host, port, user and password`,
    );
  });
  if (!rights)
    throw new InvalidInput(
      `the user in that URL may not create roles and databases on ${address.host}:${address.port}; use one with CREATEROLE and CREATEDB`,
    );
  await registerServers(deps, [region === undefined ? { name, adminUrl } : { name, adminUrl, region }]);
  return address;
}
