import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendAudit } from "../../lib/audit/log.server.ts";
import { deliverSink } from "../../lib/audit/stream-delivery.server.ts";
import { createAuditSink, setAuditSinkEnabled } from "../../lib/audit/sinks.server.ts";
import { dedupId, SD_ID, SYSLOG_PRI, verifySignature, type StreamEntry } from "../../lib/audit/stream-format.ts";
import { sendAuditDeliverJobs, setAuditStreamKicker } from "../../lib/audit/stream-kick.server.ts";
import { appendTenantAudit } from "../../lib/audit/tenant-trail.server.ts";
import type { PooledClient } from "../../lib/db/client-cache.ts";
import type { TenantDb } from "../../lib/db/tenant-db.server.ts";
import { startJobWorker, type JobWorker } from "../../lib/jobs/jobs.server.ts";
import { startAuditStreamJobs, type AuditStreamJobs } from "../../lib/operations/audit-stream-jobs.server.ts";
import { openTenantDb, provisionTestTenant, testControlPlane, type TestControlPlane } from "../support/databases.ts";
import {
  hangingReceiver,
  selfSignedCertificate,
  syslogReceiver,
  webhookReceiver,
  type TestCertificate,
} from "../support/siem-receivers.ts";

/**
 * Audit streams (decision 049, security cases 110-114) against real receivers that fail and
 * recover: an HTTPS webhook answering 500 and then refusing connections, a syslog-over-TLS server
 * resetting a connection mid-stream and then going away. After recovery every entry has arrived,
 * first arrivals in id order, repeats only with the same id and content, signatures valid.
 */
let cp: TestControlPlane;
let jobs: JobWorker;
let streams: AuditStreamJobs;
let cert: TestCertificate;
let tenantA: { tenantId: string; db: PooledClient<TenantDb> };
let tenantB: { tenantId: string; db: PooledClient<TenantDb> };
const lines: string[] = [];
const actor = { type: "cli" as const, label: "cli:streams-test" };
/** Each test waits on real retries through real sockets; `until` bounds every wait itself. */
const DELIVERY_TIMEOUT_MS = 120_000;

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, ms = 90_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; the worker said:\n${lines.join("\n")}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const sinkState = (id: string) => cp.deps.control.auditSink.findUniqueOrThrow({ where: { id } });

/** The agency's whole trail as dedup ids, in id order. */
async function agencyDedupIds(): Promise<string[]> {
  const rows = await cp.deps.control.auditEntry.findMany({ orderBy: { id: "asc" }, select: { id: true, hash: true } });
  return rows.map((r) => dedupId("agency", r.id, r.hash));
}

async function tenantDedupIds(t: typeof tenantA): Promise<string[]> {
  const rows = await t.db.client.auditEntry.findMany({ orderBy: { id: "asc" }, select: { id: true, hash: true } });
  return rows.map((r) => dedupId(t.tenantId, r.id, r.hash));
}

/**
 * What a receiver that drops repeats by dedupId keeps, checking as it goes that a repeat is the
 * same entry and that each delivery's entries are consecutive and ascending.
 */
function firstArrivals(deliveries: StreamEntry[][]): string[] {
  const seen = new Map<string, string>();
  const order: string[] = [];
  for (const batch of deliveries) {
    const ids = batch.map((e) => BigInt(e.id));
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true);
    for (const entry of batch) {
      const body = JSON.stringify(entry);
      const before = seen.get(entry.dedupId);
      if (before !== undefined) expect(body).toBe(before);
      else {
        seen.set(entry.dedupId, body);
        order.push(entry.dedupId);
      }
    }
  }
  return order;
}

beforeAll(async () => {
  cp = await testControlPlane();
  cert = selfSignedCertificate();
  const a = await provisionTestTenant(cp, "streama", "Stream A");
  const b = await provisionTestTenant(cp, "streamb", "Stream B");
  tenantA = { tenantId: a.tenantId, db: await openTenantDb(cp, a.tenantId, "streams-a") };
  tenantB = { tenantId: b.tenantId, db: await openTenantDb(cp, b.tenantId, "streams-b") };
  jobs = startJobWorker({ url: cp.url, superviseSeconds: 1, pollSeconds: 0.5, log: (l) => void lines.push(l) });
  streams = startAuditStreamJobs(jobs, {
    control: cp.deps.control,
    keyring: cp.deps.keyring,
    allowPrivate: true,
    sweepCron: "* * * * * *",
    delivery: { batchSize: 7, maxBatches: 3, timeoutMs: 5_000, retryBaseMs: 200, hostname: "portico-test" },
    log: (l) => void lines.push(l),
  });
  await jobs.started();
  await streams.ready;
  setAuditStreamKicker((scope) => sendAuditDeliverJobs(cp.deps.control, scope));
});

afterAll(async () => {
  setAuditStreamKicker(null);
  await jobs?.stop(1_000);
  await streams?.close();
  await tenantA?.db.close();
  await tenantB?.db.close();
  await cp?.cleanup();
});

describe("the agency's stream to an HTTPS webhook", () => {
  it(
    "delivers every entry in order after the receiver fails and recovers, signed, repeats only by id",
    async () => {
      let secret = "";
      const receiver = await webhookReceiver(cert, () => secret);
      try {
        await receiver.setMode("fail");
        const sink = await createAuditSink(
          { control: cp.deps.control, keyring: cp.deps.keyring, allowPrivate: true },
          null,
          { kind: "webhook", name: "agency siem", url: receiver.url, caPem: cert.cert },
          actor,
        );
        secret = sink.secret;
        for (let i = 0; i < 10; i++)
          await appendAudit(cp.deps.control, { actor, action: "stream.test", details: { i } });
        // It answers 500 and the sink backs off…
        await until("two refused attempts", async () => (await sinkState(sink.id)).attempts >= 2);
        expect((await sinkState(sink.id)).lastError).toContain("HTTP 500");
        expect(receiver.accepted).toHaveLength(0);
        // …then refuses connections while more entries are written.
        await receiver.setMode("down");
        for (let i = 10; i < 20; i++)
          await appendAudit(cp.deps.control, { actor, action: "stream.test", details: { i } });
        await until("a refused connection recorded", async () =>
          (await sinkState(sink.id)).lastError?.includes("could not be reached"),
        );
        await receiver.setMode("ok");
        for (let i = 20; i < 25; i++)
          await appendAudit(cp.deps.control, { actor, action: "stream.test", details: { i } });
        const expected = await agencyDedupIds();
        const arrived = await until("every agency entry delivered", async () => {
          const got = firstArrivals(receiver.accepted.map((d) => d.entries));
          return got.length >= expected.length && got;
        });
        expect(arrived.slice(0, expected.length)).toEqual(expected);
        expect(receiver.refused).toBeGreaterThanOrEqual(2);
        for (const d of receiver.accepted) {
          expect(d.signatureValid).toBe(true);
          expect(d.deliveryId).toBe(`${sink.id}:${d.entries[0]!.id}-${d.entries.at(-1)!.id}`);
        }
        // The check that passed above refuses another key and an altered body.
        const first = receiver.accepted[0]!;
        expect(verifySignature(sink.secret, first.body, first.signature)).toBe(true);
        expect(verifySignature("not-the-key", first.body, first.signature)).toBe(false);
        expect(verifySignature(sink.secret, first.body.replace("stream.test", "stream.tost"), first.signature)).toBe(
          false,
        );
        // The receiver has the last batch before the worker hears its answer and moves the cursor.
        const last = expected.at(-1)!.split(":")[1];
        const state = await until("the cursor at the last entry", async () => {
          const now = await sinkState(sink.id);
          return String(now.cursor) === last && now;
        });
        expect(state.attempts).toBe(0);
        expect(String(state.cursor)).toBe(last);
        await setAuditSinkEnabled(cp.deps.control, null, sink.id, false, actor);
      } finally {
        await receiver.close();
      }
    },
    DELIVERY_TIMEOUT_MS,
  );
});

describe("a tenant's stream to syslog over TLS", () => {
  it(
    "resends from the cursor after a reset mid-stream and an outage: nothing lost, in order, RFC 5424",
    async () => {
      const receiver = await syslogReceiver(cert);
      try {
        for (let i = 0; i < 12; i++)
          await appendTenantAudit(tenantA.db.client, {
            tenantId: tenantA.tenantId,
            actor: { type: "member", personEmail: `m${i}@a.example`, label: "member" },
            action: "event.update",
            details: { i },
          });
        // The first connection is reset after three messages; the receiver then goes away.
        await receiver.setMode({ drop: 3 });
        const sink = await createAuditSink(
          { control: cp.deps.control, keyring: cp.deps.keyring, allowPrivate: true },
          tenantA.tenantId,
          { kind: "syslog", name: "tenant siem", host: receiver.host, port: receiver.port, caPem: cert.cert },
          actor,
        );
        await sendAuditDeliverJobs(cp.deps.control, tenantA.tenantId);
        await until("the reset recorded", async () => (await sinkState(sink.id)).attempts >= 1);
        await receiver.setMode("down");
        for (let i = 12; i < 20; i++)
          await appendTenantAudit(tenantA.db.client, {
            tenantId: tenantA.tenantId,
            actor: { type: "member", personEmail: `m${i}@a.example`, label: "member" },
            action: "event.update",
            details: { i },
          });
        await until("a refused connection recorded", async () => (await sinkState(sink.id)).attempts >= 2);
        await receiver.setMode("ok");
        const expected = await tenantDedupIds(tenantA);
        const arrived = await until("every tenant entry delivered", async () => {
          const got = firstArrivals(receiver.messages.map((m) => [JSON.parse(m.msg) as StreamEntry]));
          return got.length >= expected.length && got;
        });
        expect(arrived).toEqual(expected);
        for (const m of receiver.messages) {
          expect(m.pri).toBe(SYSLOG_PRI);
          expect(m.version).toBe(1);
          expect(m.appName).toBe("portico");
          expect(m.hostname).toBe("portico-test");
          expect(m.msgId).toBe("event.update");
          const entry = JSON.parse(m.msg) as StreamEntry;
          expect(m.sd[SD_ID]).toEqual({
            dedupId: entry.dedupId,
            scope: tenantA.tenantId,
            entryId: entry.id,
            actor: "member",
          });
          expect(new Date(m.timestamp).toISOString()).toBe(entry.at);
          // People travel as ids, never as the email the action named.
          expect(m.msg).not.toContain("@a.example");
        }
        expect(receiver.connections).toBeGreaterThanOrEqual(2);
      } finally {
        await receiver.close();
      }
    },
    DELIVERY_TIMEOUT_MS,
  );
});

describe("a SIEM that hangs, and tenant isolation", () => {
  it(
    "never holds up a tenant's action, and a tenant's sink receives only that tenant's entries",
    async () => {
      const receiver = await hangingReceiver(cert);
      try {
        await createAuditSink(
          { control: cp.deps.control, keyring: cp.deps.keyring, allowPrivate: true },
          tenantB.tenantId,
          { kind: "webhook", name: "b siem", url: receiver.url, caPem: cert.cert },
          actor,
        );
        const append = (i: number) =>
          appendTenantAudit(tenantB.db.client, {
            tenantId: tenantB.tenantId,
            actor: { type: "member", personEmail: `b${i}@b.example`, label: "member" },
            action: "registration.create",
            details: { i },
          });
        await append(0);
        // The delivery of that entry is now stuck in the receiver…
        await until("the receiver holding a delivery", async () => receiver.held.length >= 1);
        // …and the tenant's next actions complete all the same, each asking for a delivery.
        await append(1);
        await append(2);
        expect(receiver.held).toHaveLength(1);
        receiver.release();
        const expected = await tenantDedupIds(tenantB);
        const arrived = await until("tenant B's entries delivered", async () => {
          const got = firstArrivals(receiver.held.map((h) => h.entries));
          return got.length >= expected.length && got;
        });
        // Positive control: B's entries all arrive; and nothing of tenant A or the agency does.
        expect(arrived).toEqual(expected);
        const aIds = new Set(await tenantDedupIds(tenantA));
        expect(aIds.size).toBeGreaterThan(0);
        for (const h of receiver.held)
          for (const e of h.entries) {
            expect(e.tenantId).toBe(tenantB.tenantId);
            expect(aIds.has(e.dedupId)).toBe(false);
          }
      } finally {
        await receiver.close();
      }
    },
    DELIVERY_TIMEOUT_MS,
  );
});

describe("private addresses (server-side request forgery)", () => {
  it(
    "are refused at save and again at delivery unless allowed",
    async () => {
      const deps = { control: cp.deps.control, keyring: cp.deps.keyring, allowPrivate: false };
      await expect(
        createAuditSink(deps, null, { kind: "webhook", name: "x", url: "https://127.0.0.1:9/x" }, actor),
      ).rejects.toThrow(/private, loopback or link-local/);
      await expect(
        createAuditSink(deps, null, { kind: "webhook", name: "x", url: "http://siem.example.com/x" }, actor),
      ).rejects.toThrow(/must use https/);
      await expect(
        createAuditSink(deps, null, { kind: "syslog", name: "x", host: "169.254.169.254", port: 6514 }, actor),
      ).rejects.toThrow(/private, loopback or link-local/);
      // A public name is accepted at save (positive control)…
      const saved = await createAuditSink(
        deps,
        null,
        { kind: "webhook", name: "public", url: "https://siem.example.com/x" },
        actor,
      );
      await setAuditSinkEnabled(cp.deps.control, null, saved.id, false, actor);

      // …and a name that resolves to loopback is refused when delivering, unless allowed.
      const receiver = await webhookReceiver(cert, () => sink.secret);
      const sink = await createAuditSink(
        { ...deps, allowPrivate: true },
        null,
        { kind: "webhook", name: "loopback", url: receiver.url.replace("127.0.0.1", "localhost"), caPem: cert.cert },
        actor,
      );
      // Parked far in the future, so only the calls below deliver it (not the worker's sweep).
      const park = () =>
        cp.deps.control.auditSink.update({ where: { id: sink.id }, data: { nextAttemptAt: new Date("2100-01-01") } });
      const later = new Date("2101-01-01");
      try {
        await park();
        // A delivery begun before the sink was parked (its creation asks for one) may still
        // land, and a landed delivery clears the parking: wait until none arrives, park again.
        for (let seen = -1; seen !== receiver.accepted.length;) {
          seen = receiver.accepted.length;
          await new Promise((resolve) => setTimeout(resolve, 1_000));
        }
        await park();
        // An entry the sink has certainly not had, whatever ran before it was parked.
        await appendAudit(cp.deps.control, { actor, action: "stream.ssrf-probe" });
        const before = receiver.accepted.length;
        const streamDeps = { ...deps, withTenant: () => Promise.reject(new Error("no tenant here")) };
        const refused = await deliverSink({ ...streamDeps, allowPrivate: false }, sink.id, later);
        await park();
        expect(refused.status).toBe("failed");
        expect(refused.status === "failed" && refused.error).toMatch(
          /resolves to (127\.0\.0\.1|::1).*delivery refused/,
        );
        expect(receiver.accepted).toHaveLength(before);
        const allowed = await deliverSink({ ...streamDeps, allowPrivate: true }, sink.id, later);
        expect(allowed.status).toBe("delivered");
        expect(receiver.accepted.at(-1)!.entries.at(-1)!.action).toBe("stream.ssrf-probe");
      } finally {
        await setAuditSinkEnabled(cp.deps.control, null, sink.id, false, actor);
        await receiver.close();
      }
    },
    DELIVERY_TIMEOUT_MS,
  );
});
