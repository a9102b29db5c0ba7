import { SMTPServer, type SMTPServerAddress } from "smtp-server";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { TenantUser } from "../../lib/auth/tenant-guard.server.ts";
import type { PooledClient } from "../../lib/db/client-cache.ts";
import type { TenantDb } from "../../lib/db/tenant-db.server.ts";
import { DEFAULT_RETRY } from "../../lib/mail/outbox.server.ts";
import { smtpTransport, type MailTransport } from "../../lib/mail/transport.server.ts";
import { metrics } from "../../lib/observability/metrics.ts";
import {
  flushMail,
  mailFlushesSettled,
  markMailDue,
  MARK_GRACE_MS,
  queueTenantMail,
  setMailFlushRequester,
  setMailRetryPolicy,
  sweepMail,
  tenantMailTarget,
} from "../../lib/platform/mail-queue.server.ts";
import { withTenantDb } from "../../lib/platform/with-tenant-db.server.ts";
import { registerMember } from "../../lib/portal/member.server.ts";
import { provisionTenant } from "../../lib/provisioning/provision.server.ts";
import { parseTenantSpec } from "../../lib/provisioning/spec.ts";
import type { ResolvedTenant } from "../../lib/tenancy/resolver.ts";
import { FALLBACK_THEME } from "../../lib/tenancy/theme.ts";
import { openTenantDb, testControlPlane, type TestControlPlane } from "../support/databases.ts";
import { installTestPlatform } from "../support/platform.ts";
import { tenantViewer } from "../support/viewers.ts";

/**
 * The mail outbox against a real SMTP server that misbehaves: it refuses (451) for a while, then
 * accepts; it refuses one mailbox for good (550). Nothing is lost, nothing arrives twice, and a
 * refusal for one reader does not hold up the others (docs/decisions/040).
 */
let cp: TestControlPlane;
let installed: ReturnType<typeof installTestPlatform>;
let pooled: PooledClient<TenantDb>;
let tenant: ResolvedTenant;
let smtp: SMTPServer;
let transport: MailTransport;
/** Recipients of every message the server accepted, one entry per message. */
const received: string[] = [];
/** How many MAIL FROM commands the server still answers with 451. */
let refusals = 0;
const NOBODY = "nobody@refused.example";

async function member(email: string, name: string): Promise<TenantUser> {
  const row = await pooled.client.user.create({ data: { email, name, role: "member", passwordHash: "x" } });
  return tenantViewer(tenant.id, { id: row.id, email: row.email, name: row.name, role: "member" });
}

const rows = () =>
  pooled.client.mailOutbox.findMany({
    select: { toAddress: true, status: true, attempts: true, lastError: true, nextAttemptAt: true, createdAt: true },
    orderBy: { toAddress: "asc" },
  });
const mailCount = (outcome: string) =>
  metrics()
    .mail.get()
    .then((m) => m.values.find((v) => v.labels.transport === "smtp" && v.labels.outcome === outcome)?.value ?? 0);

beforeAll(async () => {
  cp = await testControlPlane();
  const slug = cp.slug("outbox");
  const { tenantId } = await provisionTenant(
    cp.deps,
    parseTenantSpec({ slug, name: "Outbox Co", theme: FALLBACK_THEME }),
    { mode: "create", seed: false },
  );
  installed = installTestPlatform(cp);
  // The flush runs in the background after each request, as in the app.
  setMailFlushRequester(null);
  tenant = await installed.tenant(slug);
  pooled = await openTenantDb(cp, tenantId, "mail-outbox-test");
  await pooled.client.event.create({
    data: {
      slug: "launch",
      title: "Launch night",
      summary: "Demos.",
      startsAt: new Date("2031-03-04T17:30:00Z"),
      endsAt: new Date("2031-03-04T20:00:00Z"),
      timeZone: "Europe/Berlin",
      status: "published",
    },
  });
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    disableReverseLookup: true,
    logger: false,
    onMailFrom(_address: SMTPServerAddress, _session, callback) {
      if (refusals > 0) {
        refusals--;
        return callback(Object.assign(new Error("Try again later"), { responseCode: 451 }));
      }
      callback();
    },
    onRcptTo(address: SMTPServerAddress, _session, callback) {
      if (address.address === NOBODY)
        return callback(Object.assign(new Error("No such mailbox"), { responseCode: 550 }));
      callback();
    },
    onData(stream, session, done) {
      stream.on("data", () => {});
      stream.on("end", () => {
        for (const r of session.envelope.rcptTo) received.push(r.address);
        done();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", resolve));
  const port = (smtp.server.address() as { port: number }).port;
  transport = smtpTransport(`smtp://127.0.0.1:${port}`);
  installed.platform.mail = transport;
});
afterEach(async () => {
  await mailFlushesSettled();
  setMailRetryPolicy(null);
});
afterAll(async () => {
  transport?.close();
  await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
  await installed?.uninstall();
  await pooled?.close();
  await cp?.cleanup();
});

describe("the mail outbox", () => {
  it("keeps every message while the server refuses, and delivers each exactly once when it accepts", async () => {
    refusals = 1_000;
    // A short backoff, so the test can wait it out.
    setMailRetryPolicy({ ...DEFAULT_RETRY, delayMs: () => 1_000 });
    const retriesBefore = await mailCount("retry");
    const people = ["ann", "ben", "cat"];
    for (const p of people) await registerMember(tenant, await member(`${p}@flaky.example`, p), "launch", {});
    await mailFlushesSettled();
    // The registrations committed; their emails wait, each with its next attempt after a backoff.
    const waiting = await rows();
    expect(waiting.map((r) => [r.toAddress, r.status, r.attempts])).toEqual(
      people.map((p) => [`${p}@flaky.example`, "pending", 1]),
    );
    for (const r of waiting) {
      expect(r.lastError).toMatch(/451/);
      expect(r.nextAttemptAt.getTime()).toBeGreaterThan(r.createdAt.getTime());
    }
    expect(received).toEqual([]);
    expect(await mailCount("retry")).toBe(retriesBefore + 3);
    // The control plane says when this tenant's outbox is next due: the sweep's only input.
    const target = await cp.deps.control.mailTarget.findUniqueOrThrow({ where: { target: tenant.id } });
    expect(target.dueAt).not.toBeNull();

    // Later: the server refuses twice more, then accepts. The sweep finds the tenant and flushes.
    refusals = 2;
    setMailRetryPolicy({ ...DEFAULT_RETRY, delayMs: () => 0 });
    const sentBefore = await mailCount("sent");
    const due = Math.max(...waiting.map((r) => r.nextAttemptAt.getTime()));
    while (Date.now() <= due + 50) await new Promise((r) => setTimeout(r, 100));
    expect(await sweepMail()).toBe(1);
    await mailFlushesSettled();
    expect([...received].sort()).toEqual(people.map((p) => `${p}@flaky.example`));
    expect((await rows()).map((r) => r.status)).toEqual(["sent", "sent", "sent"]);
    expect(await mailCount("sent")).toBe(sentBefore + 3);
    // Flushing again sends nothing twice.
    await flushMail(tenantMailTarget(tenant.id));
    expect(received).toHaveLength(3);
  });

  it("marks a mailbox the server refuses for good as failed, without holding up the others", async () => {
    received.length = 0;
    await pooled.client.mailOutbox.deleteMany({});
    const failedBefore = (await cp.deps.control.mailTarget.findUniqueOrThrow({ where: { target: tenant.id } })).failed;
    const [failedCounted, sentCounted] = [await mailCount("failed"), await mailCount("sent")];
    await registerMember(tenant, await member(NOBODY, "Nobody"), "launch", {});
    await registerMember(tenant, await member("dan@fine.example", "Dan"), "launch", {});
    await mailFlushesSettled();
    expect((await rows()).map((r) => [r.toAddress, r.status, r.attempts])).toEqual([
      ["dan@fine.example", "sent", 1],
      [NOBODY, "failed", 1],
    ]);
    expect(received).toEqual(["dan@fine.example"]);
    // The metric a scrape sees moves with each outcome: one failed, one sent.
    expect([await mailCount("failed"), await mailCount("sent")]).toEqual([failedCounted + 1, sentCounted + 1]);
    // Neither row keeps what the message said once done with (security case 62): only its kind.
    const spent = await pooled.client.mailOutbox.findMany({ select: { content: true } });
    expect(spent.map((r) => r.content)).toEqual([{ kind: "registered" }, { kind: "registered" }]);
    // Visible to the agency: the tenant's count of messages given up on, with the server's reason.
    const target = await cp.deps.control.mailTarget.findUniqueOrThrow({ where: { target: tenant.id } });
    expect(target.failed).toBe(failedBefore + 1);
    expect(target.lastError).toMatch(/550/);
  });

  it("gives up on a message after the last attempt, and only then", async () => {
    received.length = 0;
    await pooled.client.mailOutbox.deleteMany({});
    setMailRetryPolicy({ ...DEFAULT_RETRY, maxAttempts: 3, delayMs: () => 0 });
    refusals = 3;
    await registerMember(tenant, await member("eve@late.example", "Eve"), "launch", {});
    await mailFlushesSettled();
    expect((await rows()).map((r) => [r.status, r.attempts])).toEqual([["failed", 3]]);
    // Positive control: one refusal fewer than the attempts, and the message arrives.
    refusals = 2;
    await registerMember(tenant, await member("fay@late.example", "Fay"), "launch", {});
    await mailFlushesSettled();
    expect(received).toEqual(["fay@late.example"]);
  });

  it("finds mail whose flush request was lost, through the control plane's mark alone", async () => {
    received.length = 0;
    await pooled.client.mailOutbox.deleteMany({});
    // A request that committed its mail and died before asking for the flush: marked, never asked.
    await markMailDue(cp.deps.control, tenantMailTarget(tenant.id));
    await withTenantDb(tenant.id, (db) =>
      queueTenantMail(db, [
        {
          to: "gil@lost.example",
          fromName: "Outbox Co",
          fromAddress: "no-reply@outbox.example",
          content: { kind: "sign-in-link", link: "https://outbox.example/x", minutes: 15 },
          brand: {
            name: "Outbox Co",
            logoUrl: null,
            logoAlt: "Outbox Co",
            primary: "#0f172a",
            onPrimary: "#ffffff",
            homeUrl: "https://outbox.example/",
          },
          locale: "en",
        },
      ]),
    );
    // Positive control: while it waits, the row holds the whole message it will render.
    expect((await pooled.client.mailOutbox.findFirstOrThrow()).content).toMatchObject({
      link: "https://outbox.example/x",
    });
    // Not due yet: the mark waits out the grace that covers transactions still committing.
    expect(await sweepMail()).toBe(0);
    expect(await sweepMail({ dueBy: new Date(Date.now() + MARK_GRACE_MS + 1_000) })).toBe(1);
    await mailFlushesSettled();
    expect(received).toEqual(["gil@lost.example"]);
    // The sign-in link (a single-use token) was in the row only while it waited.
    expect((await pooled.client.mailOutbox.findFirstOrThrow()).content).toEqual({ kind: "sign-in-link" });
    // The young mark is checked once more after its grace; that flush finds nothing to send.
    await sweepMail({ dueBy: new Date(Date.now() + MARK_GRACE_MS + 1_000) });
    await mailFlushesSettled();
    expect(received).toEqual(["gil@lost.example"]);
    expect((await rows()).map((r) => r.status)).toEqual(["sent"]);
  });

  it("never sends a message twice when flushes race", async () => {
    received.length = 0;
    await pooled.client.mailOutbox.deleteMany({});
    const brand = {
      name: "Outbox Co",
      logoUrl: null,
      logoAlt: "Outbox Co",
      primary: "#0f172a",
      onPrimary: "#ffffff",
      homeUrl: "https://outbox.example/",
    };
    await withTenantDb(tenant.id, (db) =>
      queueTenantMail(
        db,
        Array.from({ length: 120 }, (_, i) => ({
          to: `r${i}@race.example`,
          fromName: "Outbox Co",
          fromAddress: "no-reply@outbox.example",
          content: { kind: "sign-in-link" as const, link: "https://outbox.example/x", minutes: 15 },
          brand,
          locale: null,
        })),
      ),
    );
    const target = tenantMailTarget(tenant.id);
    const results = await Promise.all([1, 2, 3].map(() => flushMail(target)));
    expect(results.reduce((n, r) => n + r.sent, 0)).toBe(120);
    expect(received).toHaveLength(120);
    expect(new Set(received).size).toBe(120);
  });
});
