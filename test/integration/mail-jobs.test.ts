import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PooledClient } from "../../lib/db/client-cache.ts";
import { withClient } from "../../lib/db/postgres.ts";
import type { TenantDb } from "../../lib/db/tenant-db.server.ts";
import { startJobWorker, type JobWorker } from "../../lib/jobs/jobs.server.ts";
import { queueMail, type QueuedMail } from "../../lib/mail/outbox.server.ts";
import { outboxTransport } from "../../lib/mail/transport.server.ts";
import { startHousekeeping } from "../../lib/operations/housekeeping.server.ts";
import { startMailJobs, type MailJobs } from "../../lib/operations/mail-jobs.server.ts";
import {
  markMailDue,
  MAIL_KEEP_DAYS,
  pruneMail,
  sendMailFlushJob,
  tenantMailTarget,
} from "../../lib/platform/mail-queue.server.ts";
import { provisionTenant } from "../../lib/provisioning/provision.server.ts";
import { parseTenantSpec } from "../../lib/provisioning/spec.ts";
import { FALLBACK_THEME } from "../../lib/tenancy/theme.ts";
import { openTenantDb, testControlPlane, type TestControlPlane } from "../support/databases.ts";

/**
 * The mail outbox on the job queue (decisions 039, 040): a worker flushes an outbox in bounded
 * slices, each queueing the next; the per-minute sweep (here every second) finds an outbox nobody
 * asked to flush; the housekeeping's pruning deletes old sent and failed mail and nothing pending.
 */
let cp: TestControlPlane;
let jobs: JobWorker;
let mail: MailJobs;
let pooled: PooledClient<TenantDb>;
let tenantId: string;
const lines: string[] = [];

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; the worker said:\n${lines.join("\n")}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const letter = (to: string, name: string): QueuedMail => ({
  to,
  fromName: "Jobs Co",
  fromAddress: "no-reply@jobs.example",
  content: {
    kind: "waitlisted",
    name,
    event: {
      title: "Queue night",
      summary: "Jobs.",
      startsAt: new Date("2031-03-04T17:30:00Z"),
      endsAt: new Date("2031-03-04T20:00:00Z"),
      timeZone: "Europe/Berlin",
      venue: null,
      onlineUrl: null,
      url: "http://jobs.localhost/events/queue-night",
    },
  },
  brand: {
    name: "Jobs Co",
    logoUrl: null,
    logoAlt: "Jobs Co",
    primary: "#0f172a",
    onPrimary: "#ffffff",
    homeUrl: "http://jobs.localhost/",
  },
  locale: null,
});

/** Messages the development outbox transport received for these addresses. */
const delivered = (prefix: string) =>
  cp.deps.control.outboxMessage.findMany({
    where: { toAddress: { startsWith: prefix } },
    select: { toAddress: true, text: true },
  });

const flushJobs = () =>
  withClient(
    cp.url,
    async (c) =>
      (
        await c.query<{ state: string; n: number }>(
          `SELECT state::text, count(*)::int AS n FROM pgboss.job WHERE name = 'mail.flush' GROUP BY state`,
        )
      ).rows,
  );

beforeAll(async () => {
  cp = await testControlPlane();
  const slug = cp.slug("jobs");
  ({ tenantId } = await provisionTenant(cp.deps, parseTenantSpec({ slug, name: "Jobs Co", theme: FALLBACK_THEME }), {
    mode: "create",
    seed: false,
  }));
  pooled = await openTenantDb(cp, tenantId, "mail-jobs-test");
  jobs = startJobWorker({ url: cp.url, superviseSeconds: 1, pollSeconds: 0.5, log: (l) => void lines.push(l) });
  mail = startMailJobs(jobs, {
    control: cp.deps.control,
    keyring: cp.deps.keyring,
    transport: outboxTransport(cp.deps.control),
    slice: 3,
    sweepCron: "* * * * * *",
    log: (l) => void lines.push(l),
  });
  await jobs.started();
  await mail.ready;
});

afterAll(async () => {
  await jobs?.stop(1_000);
  await mail?.close();
  await pooled?.close();
  await cp?.cleanup();
});

describe("the mail.flush job", () => {
  it("sends an outbox's mail in slices, each job queueing the next, every message once", async () => {
    const target = tenantMailTarget(tenantId);
    await markMailDue(cp.deps.control, target);
    await pooled.client.$transaction((tx) =>
      queueMail(
        tx,
        "tenant",
        Array.from({ length: 7 }, (_, i) => letter(`slice${i}@jobs.example`, `Reader ${i}`)),
      ),
    );
    await sendMailFlushJob(cp.deps.control, target);
    const sent = await until("seven messages sent", async () => {
      const rows = await delivered("slice");
      return rows.length >= 7 && rows;
    });
    expect(sent.map((r) => r.toAddress).sort()).toEqual(Array.from({ length: 7 }, (_, i) => `slice${i}@jobs.example`));
    // Each reader's own name, in a message rendered once for all of them.
    for (const row of sent) expect(row.text).toContain(`Hello Reader ${row.toAddress.slice(5, 6)},`);
    // Slices of three: the first job and the two it queued (the last finds nothing more).
    const completed = await until("the flush jobs completed", async () => {
      const states = await flushJobs();
      const done = states.find((s) => s.state === "completed")?.n ?? 0;
      return states.every((s) => s.state === "completed") && done;
    });
    expect(completed).toBeGreaterThanOrEqual(3);
    expect(await pooled.client.mailOutbox.count({ where: { status: "sent" } })).toBe(7);
  }, 90_000);

  it("is asked for by the sweep when an outbox is due and nobody asked; not before it is due (control)", async () => {
    const target = tenantMailTarget(tenantId);
    await markMailDue(cp.deps.control, target); // due after the grace, two minutes from now
    await pooled.client.$transaction((tx) => queueMail(tx, "tenant", [letter("swept@jobs.example", "Swept")]));
    // Several sweeps run (one a second) while the mark is within its grace: nothing is sent.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await delivered("swept")).toHaveLength(0);
    // A retry's time or a lost request's grace has come: the next sweep asks, a worker sends.
    await cp.deps.control.$executeRaw`UPDATE "MailTarget" SET "dueAt" = now() WHERE "tenantId" = ${tenantId}::uuid`;
    await until("the swept message sent", async () => (await delivered("swept")).length === 1);
    expect(lines.some((l) => /the sweep asked for 1 outbox flush/.test(l))).toBe(true);
  }, 90_000);
});

describe("pruning, in the housekeeping job", () => {
  it("deletes sent and failed mail older than the keeping time, never pending mail or younger mail", async () => {
    const old = new Date(Date.now() - (MAIL_KEEP_DAYS + 1) * 86_400_000);
    await pooled.client.$transaction((tx) =>
      queueMail(tx, "tenant", [
        letter("old-sent@jobs.example", "A"),
        letter("old-failed@jobs.example", "B"),
        letter("old-pending@jobs.example", "C"),
      ]),
    );
    await pooled.client.$executeRaw`
      UPDATE "MailOutbox" SET "createdAt" = ${old},
        "status" = CASE "toAddress" WHEN 'old-sent@jobs.example' THEN 'sent'
                                    WHEN 'old-failed@jobs.example' THEN 'failed' ELSE 'pending' END,
        "nextAttemptAt" = now() + interval '1 day'
      WHERE "toAddress" LIKE 'old-%'`;
    const before = await pooled.client.mailOutbox.count();
    // By hand first: what it deletes, and that a second run finds nothing more.
    expect(await pruneMail(mail.deps)).toEqual({ deleted: 2, skipped: 0 });
    expect(await pruneMail(mail.deps)).toEqual({ deleted: 0, skipped: 0 });
    const left = await pooled.client.mailOutbox.findMany({
      where: { toAddress: { startsWith: "old-" } },
      select: { toAddress: true },
    });
    expect(left).toEqual([{ toAddress: "old-pending@jobs.example" }]);
    // The sent mail of the tests above is younger: kept.
    expect(await pooled.client.mailOutbox.count()).toBe(before - 2);
    expect(await pooled.client.mailOutbox.count({ where: { status: "sent" } })).toBe(8);

    // The housekeeping cron job prunes too (here every second), each outbox the control plane marked.
    await pooled.client.$transaction((tx) => queueMail(tx, "tenant", [letter("old-again@jobs.example", "D")]));
    await pooled.client.$executeRaw`
      UPDATE "MailOutbox" SET "createdAt" = ${old}, "status" = 'sent' WHERE "toAddress" = 'old-again@jobs.example'`;
    await startHousekeeping(jobs, cp.deps.control, {
      cron: "* * * * * *",
      mail: mail.deps,
      log: (l) => void lines.push(l),
    });
    await until(
      "the housekeeping job's pruning",
      async () => (await pooled.client.mailOutbox.count({ where: { toAddress: "old-again@jobs.example" } })) === 0,
    );
    expect(lines.some((l) => /housekeeping: deleted 1 sent or failed outbox message/.test(l))).toBe(true);
    expect(await pooled.client.mailOutbox.count({ where: { toAddress: "old-pending@jobs.example" } })).toBe(1);
    await jobs.boss.unschedule("housekeeping");
  }, 90_000);
});
