import "server-only";
import { TenantUnavailable, errorMessage } from "../errors.ts";
import { platform } from "../platform.server.ts";
import type { TenantDb } from "./tenant-db.server.ts";

// What "this tenant's database cannot be reached" looks like, by structured code only (never by
// message, so an ordinary query error such as a missing table is not mistaken for an outage):
// driver-adapter error kinds, Prisma's P10xx connection family and pool timeout, PostgreSQL
// SQLSTATEs and Node socket errors from a raw pg client.
const UNAVAILABLE_KINDS = new Set([
  "DatabaseDoesNotExist", "DatabaseNotReachable", "DatabaseAccessDenied", "AuthenticationFailed",
  "TooManyConnections", "SocketTimeout", "ConnectionClosed", "TlsConnectionError",
]);
const UNAVAILABLE_PRISMA = /^P10\d\d$|^P2024$/;
const UNAVAILABLE_SQLSTATE = new Set(["3D000", "28P01", "28000", "57P01", "57P02", "57P03", "53300", "08001", "08004", "08006"]);
const UNAVAILABLE_ERRNO = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EHOSTUNREACH", "ENOTFOUND", "EPIPE"]);

interface ErrorLike {
  code?: unknown;
  kind?: unknown;
  cause?: unknown;
  meta?: { driverAdapterError?: { cause?: { kind?: unknown } } };
}

export function isUnavailable(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== "object" || depth > 4) return false;
  const e = error as ErrorLike;
  const kind = e.meta?.driverAdapterError?.cause?.kind ?? e.kind;
  if (typeof kind === "string" && UNAVAILABLE_KINDS.has(kind)) return true;
  if (typeof e.code === "string" && (UNAVAILABLE_PRISMA.test(e.code) || UNAVAILABLE_SQLSTATE.has(e.code) || UNAVAILABLE_ERRNO.has(e.code))) return true;
  if (error instanceof Error && /timeout exceeded when trying to connect/.test(error.message)) return true; // pg-pool's own
  return isUnavailable(e.cause, depth + 1);
}

/**
 * The one way to reach a tenant's data: with that tenant's own client, leased for `fn`.
 * A tenant whose database cannot be reached becomes TenantUnavailable, which pages render as a
 * branded notice for that tenant alone.
 */
export async function withTenantDb<T>(tenantId: string, fn: (db: TenantDb) => Promise<T>): Promise<T> {
  try {
    return await platform().tenants.use(tenantId, fn);
  } catch (error) {
    if (error instanceof TenantUnavailable) throw error;
    if (isUnavailable(error)) {
      throw new TenantUnavailable(tenantId, `the tenant database cannot be reached: ${errorMessage(error).split("\n")[0]}`, { cause: error });
    }
    throw error;
  }
}
