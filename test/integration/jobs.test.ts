import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createControlDb, type ControlDb } from "../../lib/db/control.server.ts";
import { withClient } from "../../lib/db/postgres.ts";
import { enqueue, startJobWorker, type JobWorker } from "../../lib/jobs/jobs.server.ts";
import { installJobSchema } from "../../lib/jobs/schema.ts";
import { startHousekeeping } from "../../lib/operations/housekeeping.server.ts";
import { scratchDatabase, testControlPlane, type TestControlPlane } from "../support/databases.ts";

/**
 * The job queue (lib/jobs, decision 039) on real PostgreSQL: a job sent in a transaction exists
 * only if it commits; a transient failure is retried with backoff; the housekeeping cron job runs
 * on its schedule; finished jobs are deleted after their queue's deleteAfterSeconds; a worker
 * that cannot use the queue's schema says so.
 */
let cp: TestControlPlane;
let control: ControlDb;
let jobs: JobWorker;
const lines: string[] = [];

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting for ${what}; the worker said:\n${lines.join("\n")}\n${JSON.stringify(
          await withClient(
            cp.url,
            async (c) => (await c.query(`SELECT name, state, retry_count, start_after, output FROM pgboss.job`)).rows,
          ),
        )}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}

const job = (queue: string, id: string) =>
  withClient(cp.url, async (c) => {
    const { rows } = await c.query<{ state: string; retry_count: number }>(
      `SELECT state::text, retry_count FROM pgboss.job WHERE name = $1 AND id = $2`,
      [queue, id],
    );
    return rows[0];
  });

beforeAll(async () => {
  cp = await testControlPlane();
  control = createControlDb(cp.url, 2);
  jobs = startJobWorker({
    url: cp.url,
    superviseSeconds: 1,
    maintenanceSeconds: 1,
    pollSeconds: 0.5,
    // The release tests below add a newer release's migration for a while: this worker is not theirs.
    checkSeconds: 3600,
    log: (l) => void lines.push(l),
  });
  await jobs.started();
});

afterAll(async () => {
  await jobs?.stop(1_000);
  await control?.$disconnect();
  await cp?.cleanup();
});

const quick = { retryDelay: 1, retryBackoff: true, expireInSeconds: 60 };

describe("sending", () => {
  it("enlists in the caller's transaction: a rolled-back transaction leaves no job, a committed one does", async () => {
    const seen: string[] = [];
    await jobs.registerQueue<{ n: string }>("test.tx", async (data) => void seen.push(data.n), {
      ...quick,
      retryLimit: 0,
      deleteAfterSeconds: 3600,
    });
    const rolledBack = await control
      .$transaction(async (tx) => {
        await enqueue(control, "test.tx", { n: "rolled back" }, { tx });
        throw new Error("the caller's own failure");
      })
      .catch((e: Error) => e.message);
    expect(rolledBack).toBe("the caller's own failure");
    const id = await control.$transaction((tx) => enqueue(control, "test.tx", { n: "committed" }, { tx }));
    await until("the committed job", async () => (await job("test.tx", id!))?.state === "completed");
    expect(seen).toEqual(["committed"]);
    expect(
      await withClient(
        cp.url,
        async (c) => (await c.query(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'test.tx'`)).rows[0].n,
      ),
    ).toBe(1);
  });

  it("queues a job id once, and names a queue that does not exist", async () => {
    const id = "6f9619ff-8b86-4d11-b42d-00c04fc964ff";
    expect(await enqueue(control, "test.tx", { n: "once" }, { id })).toBe(id);
    expect(await enqueue(control, "test.tx", { n: "twice" }, { id })).toBeNull();
    await expect(enqueue(control, "test.nowhere", {})).rejects.toThrow(/Queue test\.nowhere does not exist/);
  });
});

describe("retries", () => {
  it("retries a transient failure with backoff until it succeeds; a job that succeeds at once is not retried", async () => {
    const attempts = new Map<string, number>();
    await jobs.registerQueue<{ key: string; failures: number }>(
      "test.flaky",
      async (data, ctx) => {
        attempts.set(data.key, ctx.attempt);
        if (ctx.attempt <= data.failures)
          throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" });
      },
      { ...quick, retryLimit: 3, deleteAfterSeconds: 3600 },
    );
    const flaky = await enqueue(control, "test.flaky", { key: "flaky", failures: 2 });
    const steady = await enqueue(control, "test.flaky", { key: "steady", failures: 0 });
    await until("both jobs to complete", async () => {
      const [a, b] = await Promise.all([job("test.flaky", flaky!), job("test.flaky", steady!)]);
      return a?.state === "completed" && b?.state === "completed";
    });
    expect(await job("test.flaky", flaky!)).toEqual({ state: "completed", retry_count: 2 });
    expect(attempts.get("flaky")).toBe(3);
    expect(await job("test.flaky", steady!)).toEqual({ state: "completed", retry_count: 0 });
    expect(attempts.get("steady")).toBe(1);
  });
});

describe("scheduled jobs and cleanup", () => {
  it("runs the housekeeping sweep on its cron schedule, deleting only what expired", async () => {
    const now = Date.now();
    const user = await control.agencyUser.create({
      data: { email: "sweep@agency.example", name: "S", role: "viewer" },
    });
    await control.rateLimit.createMany({
      data: [
        { key: "expired", points: 5, expire: BigInt(now - 60_000) },
        { key: "live", points: 1, expire: BigInt(now + 3_600_000) },
      ],
    });
    const day = 24 * 60 * 60 * 1000;
    const old = await control.agencyInvitation.create({
      data: { agencyUserId: user.id, tokenHash: "a".repeat(64), expiresAt: new Date(now - 40 * day) },
    });
    const recent = await control.agencyInvitation.create({
      data: { agencyUserId: user.id, tokenHash: "b".repeat(64), expiresAt: new Date(now - 1 * day) },
    });
    const used = await control.agencyInvitation.create({
      data: {
        agencyUserId: user.id,
        tokenHash: "c".repeat(64),
        expiresAt: new Date(now - 40 * day),
        usedAt: new Date(now - 41 * day),
      },
    });

    await startHousekeeping(jobs, control, { cron: "* * * * * *", log: (l) => void lines.push(l) });
    await until(
      "the scheduled sweep",
      async () => (await control.rateLimit.count({ where: { key: "expired" } })) === 0,
    );
    expect(await control.rateLimit.findMany({ select: { key: true } })).toEqual([{ key: "live" }]);
    const left = (await control.agencyInvitation.findMany({ select: { id: true } })).map((i) => i.id).sort();
    expect(left).toEqual([recent.id, used.id].sort());
    expect(left).not.toContain(old.id);
    // It ran as a job the schedule sent, not by hand.
    const ran = await withClient(
      cp.url,
      async (c) =>
        (await c.query(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'housekeeping' AND state = 'completed'`))
          .rows[0].n,
    );
    expect(ran).toBeGreaterThanOrEqual(1);
    await jobs.boss.unschedule("housekeeping");
  });

  it("deletes finished jobs once their queue's deleteAfterSeconds has passed, keeping younger ones", async () => {
    await jobs.registerQueue("test.short-lived", async () => {}, { ...quick, retryLimit: 0, deleteAfterSeconds: 1 });
    await jobs.registerQueue("test.long-lived", async () => {}, { ...quick, retryLimit: 0, deleteAfterSeconds: 3600 });
    const brief = await enqueue(control, "test.short-lived", {});
    const kept = await enqueue(control, "test.long-lived", {});
    await until("both to complete", async () => (await job("test.long-lived", kept!))?.state === "completed");
    await until(
      "the short-lived job's row to be deleted",
      async () => (await job("test.short-lived", brief!)) === undefined,
    );
    expect(await job("test.long-lived", kept!)).toMatchObject({ state: "completed" });
  });
});

describe("a worker of an older release than the control plane", () => {
  it("takes no jobs and says why; once the releases agree it starts and runs them (positive control)", async () => {
    const newer = "29990101000000_from_a_newer_release";
    const said: string[] = [];
    const ran: string[] = [];
    // Queues exist before any worker starts (the bootstrap makes Portico's own).
    await jobs.boss.createQueue("test.release");
    await withClient(cp.url, (c) =>
      c.query(
        `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, started_at, applied_steps_count)
         VALUES (gen_random_uuid()::text, 'x', now(), $1, now(), 1)`,
        [newer],
      ),
    );
    const older = startJobWorker({ url: cp.url, retrySeconds: 1, checkSeconds: 1, log: (l) => void said.push(l) });
    try {
      await older.registerQueue<{ n: string }>("test.release", async (data) => void ran.push(data.n), {
        ...quick,
        retryLimit: 0,
        deleteAfterSeconds: 3600,
      });
      await until("the problem", async () => older.problem() !== "starting" && older.problem());
      expect(older.problem()).toBe(
        `the control plane has 1 migration(s) this release does not ship (${newer}): a newer Portico release runs against it; upgrade this instance (its job worker takes no jobs until then)`,
      );
      expect(said.join("\n")).toContain(`jobs: ${older.problem()}; checking again every 1 s`);
      const id = await enqueue(control, "test.release", { n: "waits" });
      await new Promise((r) => setTimeout(r, 2_000));
      expect(ran).toEqual([]);
      expect(await job("test.release", id!)).toMatchObject({ state: "created" });
    } finally {
      await withClient(cp.url, (c) => c.query(`DELETE FROM "_prisma_migrations" WHERE migration_name = $1`, [newer]));
    }
    await until("the worker to start", async () => older.problem() === null);
    await until("the job to run", async () => ran.includes("waits"));
    await older.stop(1_000);
  }, 60_000);

  it("a running worker that finds itself the older release stops taking jobs, and starts again when that is over", async () => {
    const newer = "29990101000001_from_a_newer_release";
    const said: string[] = [];
    const running = startJobWorker({ url: cp.url, retrySeconds: 1, checkSeconds: 1, log: (l) => void said.push(l) });
    try {
      await running.started();
      expect(running.problem()).toBeNull();
      await withClient(cp.url, (c) =>
        c.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, started_at, applied_steps_count)
           VALUES (gen_random_uuid()::text, 'x', now(), $1, now(), 1)`,
          [newer],
        ),
      );
      await until("the worker to stop taking jobs", async () => running.problem()?.includes(newer));
      expect(said.join("\n")).toContain(`jobs: ${running.problem()}; stopping this worker`);
      await withClient(cp.url, (c) => c.query(`DELETE FROM "_prisma_migrations" WHERE migration_name = $1`, [newer]));
      await until("the worker to start again", async () => running.problem() === null);
    } finally {
      await withClient(cp.url, (c) => c.query(`DELETE FROM "_prisma_migrations" WHERE migration_name = $1`, [newer]));
      await running.stop(1_000);
    }
  }, 60_000);
});

describe("a worker that cannot use the queue's schema", () => {
  it("says why in its log and problem(), and keeps trying; one that can has no problem (positive control)", async () => {
    const bare = await scratchDatabase("nojobs");
    const said: string[] = [];
    const broken = startJobWorker({ url: bare.url, retrySeconds: 1, log: (l) => void said.push(l) });
    try {
      await until("the problem", async () => broken.problem() !== "starting" && broken.problem());
      expect(broken.problem()).toMatch(
        /^job queue schema "pgboss" is missing: start Portico with this release's bootstrap/,
      );
      expect(said.join("\n")).toMatch(/jobs: job queue schema "pgboss" is missing: .*; checking again every 1 s/);
      // Once the schema is there, the same worker starts.
      await installJobSchema(bare.url);
      await until("the worker to start", async () => broken.problem() === null);
      expect(jobs.problem()).toBeNull();
    } finally {
      await broken.stop(1_000);
      await bare.drop();
    }
  });
});
