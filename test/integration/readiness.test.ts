import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../lib/db/embedded.server.ts";
import { withClient } from "../../lib/db/postgres.ts";
import { prepareControlPlane } from "../../lib/bootstrap/control-plane.server.ts";
import { startDraining } from "../../lib/observability/lifecycle.ts";
import { operationFigures, readiness } from "../../lib/platform/readiness.ts";
import { JOB_SCHEMA_VERSION } from "../../lib/jobs/schema.ts";
import { writeWorkerState, WORKER_STATE_STALE_MS } from "../../lib/jobs/worker-state.ts";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
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

  it("is not ready while a newer release's migration is applied that this release does not ship; ready once gone", async () => {
    const newer = "29990101000000_from_a_newer_release";
    await withClient(controlUrl, (c) =>
      c.query(
        `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, started_at, applied_steps_count)
         VALUES (gen_random_uuid()::text, 'x', now(), $1, now(), 1)`,
        [newer],
      ),
    );
    try {
      const state = await readiness(controlUrl);
      expect(!state.ready && state.reason).toBe(
        `control plane ahead of this release: 1 migration(s) it does not ship (${newer}); a newer Portico release runs against it: upgrade this instance`,
      );
    } finally {
      await withClient(controlUrl, (c) =>
        c.query(`DELETE FROM "_prisma_migrations" WHERE migration_name = $1`, [newer]),
      );
    }
    expect(await readiness(controlUrl)).toEqual({ ready: true });
  });

  it("is not ready while the job queue's schema is at another version or missing, saying which way to go", async () => {
    const setVersion = (v: number) =>
      withClient(controlUrl, (c) => c.query(`UPDATE pgboss.version SET version = $1`, [v]));
    try {
      await setVersion(JOB_SCHEMA_VERSION + 1);
      const newer = await readiness(controlUrl);
      expect(!newer.ready && newer.reason).toBe(
        `job queue schema is at version ${JOB_SCHEMA_VERSION + 1}, newer than this release's ${JOB_SCHEMA_VERSION}: a newer Portico release migrated it; upgrade this instance`,
      );
      await setVersion(JOB_SCHEMA_VERSION - 1);
      const older = await readiness(controlUrl);
      expect(!older.ready && older.reason).toMatch(
        /older than this release's .*: start this release's bootstrap \(npm start\) to migrate it$/,
      );
    } finally {
      await setVersion(JOB_SCHEMA_VERSION);
    }
    expect(await readiness(controlUrl)).toEqual({ ready: true });
    await withClient(controlUrl, (c) => c.query(`ALTER SCHEMA pgboss RENAME TO pgboss_away`));
    try {
      const missing = await readiness(controlUrl);
      expect(!missing.ready && missing.reason).toMatch(/^job queue schema "pgboss" is missing: start Portico/);
    } finally {
      await withClient(controlUrl, (c) => c.query(`ALTER SCHEMA pgboss_away RENAME TO pgboss`));
    }
    expect(await readiness(controlUrl)).toEqual({ ready: true });
  });

  it("is not ready while this instance's job worker reports a problem or stops reporting; ready when it takes jobs", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "portico-worker-state-"));
    const workerStateFile = path.join(dir, "worker.json");
    try {
      const absent = await readiness(controlUrl, undefined, { workerStateFile });
      expect(!absent.ready && absent.reason).toBe("job worker: the job worker of this instance has not reported yet");
      await writeWorkerState(workerStateFile, 'the job worker cannot use the queue schema "pgboss": permission denied');
      const broken = await readiness(controlUrl, undefined, { workerStateFile });
      expect(!broken.ready && broken.reason).toBe(
        'job worker: the job worker cannot use the queue schema "pgboss": permission denied',
      );
      await writeWorkerState(workerStateFile, null, Date.now() - WORKER_STATE_STALE_MS - 5_000);
      const stale = await readiness(controlUrl, undefined, { workerStateFile });
      expect(!stale.ready && stale.reason).toMatch(
        /^job worker: the job worker of this instance has not reported for \d+ s/,
      );
      // Positive control: a worker that takes jobs.
      await writeWorkerState(workerStateFile, null);
      expect(await readiness(controlUrl, undefined, { workerStateFile })).toEqual({ ready: true });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
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
    // Every queue of the job queue, by state (pg-boss's counts; no worker runs here, so all 0).
    expect(figures.jobs).toEqual(
      expect.arrayContaining([
        { queue: "operations", state: "queued", count: 0 },
        { queue: "operations", state: "active", count: 0 },
        { queue: "housekeeping", state: "failed", count: 0 },
      ]),
    );
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
