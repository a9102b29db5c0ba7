import "server-only";
import { withClient } from "../db/postgres.ts";

/**
 * The start-up work of `npm start` (finishing interrupted provisioning, syncing the declared
 * tenants, migrating the fleet) runs in one process at a time per control plane. Several
 * instances started together would otherwise each create the same declared tenant (all but one
 * failing on its slug) and resume provisioning another instance is still running. The lock is
 * held on a session of its own and ends with it, so a killed start never leaves it behind.
 */
const STARTUP_LOCK = 72_707_372;

export async function withStartupLock<T>(
  controlUrl: string,
  fn: () => Promise<T>,
  say: (line: string) => void = () => {},
): Promise<T> {
  return withClient(controlUrl, async (session) => {
    const { rows } = await session.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1) AS ok", [STARTUP_LOCK]);
    if (!rows[0]?.ok) {
      say("another instance is doing its start-up work on this control plane; waiting for it to finish");
      await session.query("SELECT pg_advisory_lock($1)", [STARTUP_LOCK]);
    }
    try {
      return await fn();
    } finally {
      await session.query("SELECT pg_advisory_unlock($1)", [STARTUP_LOCK]).catch(() => {});
    }
  });
}
