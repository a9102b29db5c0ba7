import type pg from "pg";
import { describe, expect, it } from "vitest";
import { withClient, withDatabase } from "../../lib/db/postgres.ts";
import { buildTemplate, TEMPLATE_BUILD_LOCK } from "../../lib/provisioning/template.server.ts";
import { adminUrl } from "../support/databases.ts";

/**
 * Two processes building one server's template at once (two `npm run tenants create` runs, as
 * the browser tests' workers do) failed with "tuple concurrently updated": GRANT and REVOKE lock
 * nothing they change. A build now waits for the other's to end.
 */
const waitingForBuildLock = async (client: pg.ClientBase) => {
  const { rowCount } = await client.query(
    `SELECT 1 FROM pg_locks
      WHERE locktype = 'advisory' AND NOT granted AND classid::bigint = $1 AND objid::bigint = $2`,
    [Math.floor(TEMPLATE_BUILD_LOCK / 2 ** 32), TEMPLATE_BUILD_LOCK % 2 ** 32],
  );
  return (rowCount ?? 0) > 0;
};

describe("building the template", () => {
  it("waits while another process builds the same server's template, then builds", async () => {
    await withClient(withDatabase(adminUrl(), "postgres"), async (other) => {
      await other.query("SELECT pg_advisory_lock($1)", [TEMPLATE_BUILD_LOCK]);
      let built = false;
      const build = buildTemplate(adminUrl()).then(() => (built = true));
      let waiting = false;
      for (let i = 0; i < 500 && !waiting; i++) {
        waiting = await waitingForBuildLock(other);
        if (!waiting) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(waiting).toBe(true);
      expect(built).toBe(false);
      await other.query("SELECT pg_advisory_unlock($1)", [TEMPLATE_BUILD_LOCK]);
      await build;
      expect(built).toBe(true);
    });
  });

  it("builds at once when no other build runs, and builds side by side all succeed (positive control)", async () => {
    await buildTemplate(adminUrl());
    const results = await Promise.allSettled(Array.from({ length: 4 }, () => buildTemplate(adminUrl())));
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);
  });
});
