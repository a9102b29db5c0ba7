import "server-only";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/control/client.ts";

export type ControlDb = PrismaClient;
export type * as Control from "./generated/control/client.ts";

/** A client for the control-plane database. One per process; see lib/platform.server.ts. */
export function createControlDb(connectionString: string, max = 5): ControlDb {
  return new PrismaClient({
    adapter: new PrismaPg({ connectionString, max, connectionTimeoutMillis: 5_000, application_name: "portico:control" }),
  });
}
