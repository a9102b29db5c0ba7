import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../lib/db/embedded.server.ts";
import { withClient } from "../../lib/db/postgres.ts";
import { prepareControlPlane } from "../../lib/bootstrap/control-plane.server.ts";
import { startDraining } from "../../lib/observability/lifecycle.ts";
import { operationFigures, readiness } from "../../lib/platform/readiness.ts";
import { adminUrl, scratchDatabase, uniqueTag } from "../support/databases.ts";

/**
 * /readyz's answer (lib/platform/readiness.ts, answered by scripts/next-server.ts): ready on a
 * migrated control plane, and each refusal with its reason beside that positive control. The
 * HTTP side, and draining during a real shutdown, are in test/integration/operating.test.ts.
 */
let controlUrl: string;
let drop: () => Promise<void>;

beforeAll(async () => {
  const scratch = await scratchDatabase("ready");
  drop = scratch.drop;
  controlUrl = (await prepareControlPlane(adminUrl(), scratch.name)).url;
});

afterAll(async () => {
  await drop?.();
});

describe("readiness", () => {
  it("is ready with the control plane up and every shipped migration applied", async () => {
    expect(await readiness(controlUrl)).toEqual({ ready: true });
  });

  it("is not ready while a shipped control-plane migration is missing, naming it; ready again once applied", async () => {
    const removed = await withClient(controlUrl, async (c) => {
      const { rows } = await c.query<{ migration_name: string }>(
        `DELETE FROM "_prisma_migrations" WHERE migration_name = (SELECT max(migration_name) FROM "_prisma_migrations") RETURNING *`,
      );
      return rows[0]!;
    });
    const state = await readiness(controlUrl);
    expect(state.ready).toBe(false);
    expect(!state.ready && state.reason).toMatch(/^control-plane migrations behind: 1 not applied/);
    expect(!state.ready && state.reason).toContain(removed.migration_name);

    await withClient(controlUrl, (c) =>
      c.query(
        `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)
         SELECT id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count
         FROM json_populate_record(NULL::"_prisma_migrations", $1::json)`,
        [JSON.stringify(removed)],
      ),
    );
    expect(await readiness(controlUrl)).toEqual({ ready: true });
  });

  it("is not ready when the control plane does not answer, and says so without its password", async () => {
    const stopped = new URL(controlUrl);
    stopped.port = String(await freePort()); // nothing listens there: a stopped server
    stopped.password = `Sentinel${uniqueTag()}`;
    const state = await readiness(stopped.toString(), 2_000);
    expect(state.ready).toBe(false);
    expect(!state.ready && state.reason).toMatch(/^control plane unreachable: .*ECONNREFUSED/);
    expect(!state.ready && state.reason).not.toContain(stopped.password);
  });

  it("counts operations by kind and state for /metrics", async () => {
    await withClient(controlUrl, (c) =>
      c.query(
        `INSERT INTO "Operation" (id, kind, status, "actorType", "actorLabel", "createdAt")
         VALUES (gen_random_uuid(), 'suspend', 'queued', 'agency-user', 'a@b.example', now() - interval '90 seconds'),
                (gen_random_uuid(), 'suspend', 'succeeded', 'agency-user', 'a@b.example', now())`,
      ),
    );
    const figures = await operationFigures(controlUrl);
    expect(figures.queued).toBe(1);
    expect(figures.oldestQueuedSeconds).toBeGreaterThanOrEqual(89);
    expect(figures.byKindAndState).toEqual(
      expect.arrayContaining([
        { kind: "suspend", state: "queued", count: 1 },
        { kind: "suspend", state: "succeeded", count: 1 },
      ]),
    );
  });

  it("is not ready once draining, whatever the control plane says", async () => {
    startDraining();
    expect(await readiness(controlUrl)).toEqual({ ready: false, reason: "draining: this instance is shutting down" });
  });
});
