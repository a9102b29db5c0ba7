import "server-only";
import { TenantUnavailable, errorMessage } from "../errors.ts";
import { platform } from "../platform.server.ts";
import type { TenantDb } from "./tenant-db.server.ts";

// Prisma's "cannot reach / authenticate / find database" family and pool timeouts, plus the
// raw driver errors a failing connect surfaces as.
const UNAVAILABLE_PRISMA = /^P10\d\d$|^P2024$/;
const UNAVAILABLE_PG = new Set(["3D000", "28P01", "28000", "57P01", "57P02", "57P03", "53300", "08001", "08006"]);
const UNAVAILABLE_NODE = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|timeout exceeded when trying to connect|Connection terminated|does not exist|password authentication failed/i;

export function isUnavailable(error: unknown): boolean {
  const e = error as { code?: unknown; name?: unknown; cause?: unknown } | null;
  if (!e || typeof e !== "object") return false;
  if (typeof e.code === "string" && (UNAVAILABLE_PRISMA.test(e.code) || UNAVAILABLE_PG.has(e.code))) return true;
  if (e.name === "PrismaClientInitializationError" || e.name === "DriverAdapterError") return true;
  if (UNAVAILABLE_NODE.test(errorMessage(error))) return true;
  return e.cause ? isUnavailable(e.cause) : false;
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
