import "server-only";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/control/client.ts";

export type ControlDb = PrismaClient;
export type * as Control from "./generated/control/client.ts";

/** How long a query, or a transaction, waits for one of the pool's connections. */
export const CONTROL_CONNECTION_WAIT_MS = 5_000;

/**
 * A client for the control-plane database. One per process; see lib/platform/platform.server.ts.
 * A transaction waits for a connection as long as a single query does: with Prisma's shorter
 * default, concurrent provisioning runs queued behind each other's step records on the small
 * pool and failed at "activate".
 */
export function createControlDb(connectionString: string, max = 5): ControlDb {
  return new PrismaClient({
    adapter: new PrismaPg({
      connectionString,
      max,
      connectionTimeoutMillis: CONTROL_CONNECTION_WAIT_MS,
      application_name: "portico:control",
    }),
    transactionOptions: { maxWait: CONTROL_CONNECTION_WAIT_MS },
  });
}
