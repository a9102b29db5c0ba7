import { accessSync, constants } from "node:fs";
import path from "node:path";
import { InvalidInput } from "../util/errors.ts";

/**
 * TLS to PostgreSQL, configured per server in its URL (`?sslmode=verify-full&sslrootcert=/etc/
 * portico/pg-ca.pem`) and applied to every connection Portico makes to that server: the control
 * plane, the administrative sessions and each tenant's own role (docs/decisions/028).
 *
 * `sslmode` has libpq's meaning, made explicit for node-postgres with `uselibpqcompat=true`
 * (without it, pg 8 treats `require` and `verify-ca` as `verify-full`):
 *   disable      no TLS
 *   require      encrypted; the certificate is not checked (with sslrootcert: its chain is)
 *   verify-ca    encrypted; the chain must lead to sslrootcert (the host name is not checked)
 *   verify-full  encrypted; the chain must lead to sslrootcert (or the system CAs) and the
 *                certificate must name the host
 * `sslrootcert` without `sslmode` means verify-full. `prefer` and `allow` (which silently fall
 * back to clear text) are refused.
 */
export const SSL_MODES = ["disable", "require", "verify-ca", "verify-full"] as const;
export type SslMode = (typeof SSL_MODES)[number];

export interface ServerTls {
  sslMode: SslMode | null;
  sslRootCert: string | null;
}

function isSslMode(value: string): value is SslMode {
  return (SSL_MODES as readonly string[]).includes(value);
}

/** The TLS settings of a postgres:// URL, checked: a bad mode or an unreadable CA file is refused. */
export function tlsOf(url: string): ServerTls {
  const params = new URL(url).searchParams;
  const mode = params.get("sslmode");
  const rootCert = params.get("sslrootcert");
  if (mode !== null && !isSslMode(mode)) {
    throw new InvalidInput(
      `sslmode=${mode} is not supported: use disable, require, verify-ca or verify-full (e.g. ?sslmode=verify-full&sslrootcert=/etc/portico/pg-ca.pem)`,
    );
  }
  if (rootCert !== null) {
    if (!path.isAbsolute(rootCert))
      throw new InvalidInput(`sslrootcert=${rootCert} must be an absolute path to the CA certificate (PEM)`);
    try {
      accessSync(rootCert, constants.R_OK);
    } catch {
      throw new InvalidInput(
        `sslrootcert=${rootCert}: cannot read that file; give the path of the CA certificate (PEM) that signed the server's certificate`,
      );
    }
  }
  if (mode === "verify-ca" && rootCert === null)
    throw new InvalidInput(
      "sslmode=verify-ca needs sslrootcert=/path/to/ca.pem: the CA the server's certificate must chain to",
    );
  if (mode === "disable" && rootCert !== null)
    throw new InvalidInput("sslmode=disable with sslrootcert: remove one (with a CA file, use sslmode=verify-full)");
  return { sslMode: mode ?? (rootCert ? "verify-full" : null), sslRootCert: rootCert };
}

/**
 * `url` with exactly these TLS settings, in the form node-postgres (pg-connection-string) reads
 * with libpq's semantics. Every client Portico makes from such a URL — pg.Client, pg.Pool, the
 * Prisma adapter — then behaves the same.
 */
export function withTls(url: string, tls: ServerTls): string {
  const u = new URL(url);
  for (const key of ["sslmode", "sslrootcert", "uselibpqcompat"]) u.searchParams.delete(key);
  if (tls.sslMode) u.searchParams.set("sslmode", tls.sslMode);
  if (tls.sslRootCert) u.searchParams.set("sslrootcert", tls.sslRootCert);
  if (tls.sslMode || tls.sslRootCert) u.searchParams.set("uselibpqcompat", "true");
  return u.toString();
}

/** A configured URL checked and put in the form every client reads the same way. */
export function normalisePostgresUrl(url: string): string {
  return withTls(url, tlsOf(url));
}

/** What a tenant connection needs to know of its server (a Prisma select): address, TLS and pooler. */
export const SERVER_ADDRESS = { host: true, port: true, sslMode: true, sslRootCert: true, poolerUrl: true } as const;

export interface ServerAddress {
  host: string;
  port: number;
  sslMode?: string | null;
  sslRootCert?: string | null;
  /** PgBouncer in front of the server (docs/decisions/038); only request traffic goes through it. */
  poolerUrl?: string | null;
}
