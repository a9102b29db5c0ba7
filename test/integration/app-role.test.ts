import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendAudit } from "../../lib/audit/log.server.ts";
import {
  createAuditSink,
  deleteAuditSink,
  rotateAuditSinkSecret,
  setAuditSinkEnabled,
} from "../../lib/audit/sinks.server.ts";
import { createControlDb, type ControlDb } from "../../lib/db/control.server.ts";
import { dropRoleIfExists } from "../../lib/db/postgres.ts";
import { ensureAppRole } from "../../lib/bootstrap/control-plane.server.ts";
import { withClient } from "../../lib/db/postgres.ts";
import { queueOperation } from "../../lib/operations/queue.server.ts";
import { AGENCY_MAIL, markMailDue, sendMailFlushJob } from "../../lib/platform/mail-queue.server.ts";
import { adminUrl, testControlPlane, withAdmin, type TestControlPlane } from "../support/databases.ts";

/** The web app's control-plane role: reads, appends, nothing more. */
let cp: TestControlPlane;
let role: string;
let appUrl: string;
let app: ControlDb;
let sql: pg.Client;

beforeAll(async () => {
  cp = await testControlPlane();
  role = `portico_app_${cp.tag}`;
  appUrl = await ensureAppRole(adminUrl(), `control_${cp.tag}`, "apppassword123", role);
  await ensureAppRole(adminUrl(), `control_${cp.tag}`, "apppassword123", role); // idempotent
  app = createControlDb(appUrl, 2);
  sql = new pg.Client({ connectionString: appUrl });
  await sql.connect();
});
afterAll(async () => {
  await sql?.end();
  await app?.$disconnect();
  await cp?.cleanup();
  await withAdmin((admin) => dropRoleIfExists(admin, role));
});

describe("the app's control-plane role", () => {
  it("can read, append to the audit log and the outbox, and record sign-in times (positive control)", async () => {
    expect(await app.tenant.count()).toBe(0);
    await appendAudit(app, { actor: { type: "system", label: "test" }, action: "test.append" });
    await app.outboxMessage.create({
      data: { toAddress: "a@example.com", fromName: "x", fromAddress: "x@example.com", subject: "s", text: "t" },
    });
    const user = await cp.deps.control.agencyUser.create({
      data: { email: "a@agency.example", name: "A", role: "owner" },
    });
    await app.agencyUser.update({ where: { id: user.id }, data: { lastSignInAt: new Date() } });
    // Server-side sessions (decision 041): a sign-in writes its row; last seen and ending update it.
    const session = await app.agencySession.create({
      data: { agencyUserId: user.id, method: "password", expiresAt: new Date(Date.now() + 3600_000) },
    });
    await app.agencySession.update({ where: { id: session.id }, data: { lastSeenAt: new Date() } });
    await app.agencySession.update({ where: { id: session.id }, data: { endedAt: new Date() } });
    // Drafts and queued operations: the wizard's and dashboard's only writes.
    const draft = await app.tenantDraft.create({ data: { agencyUserId: user.id, data: { slug: "x" } } });
    await app.tenantDraft.update({ where: { id: draft.id }, data: { data: { slug: "y" } } });
    await app.tenantDraft.delete({ where: { id: draft.id } });
    await sql.query(
      `INSERT INTO "Operation" (id, kind, "actorType", "actorLabel") VALUES (gen_random_uuid(), 'suspend', 'agency-user', 'a')`,
    );
    await expect(sql.query(`SELECT name, host, port FROM "DatabaseServer"`)).resolves.toBeDefined();
    // The pooler's address builds tenants' request URLs (decision 038).
    await expect(sql.query(`SELECT "poolerUrl" FROM "DatabaseServer"`)).resolves.toBeDefined();
    await expect(sql.query(`SELECT region FROM "DatabaseServer"`)).resolves.toBeDefined(); // decision 053
    // The mail outbox (decision 040): queue the agency's mail and mark the outboxes that may have some.
    await sql.query(
      `INSERT INTO "MailOutbox" (id, "toAddress", "fromName", "fromAddress", content, brand) VALUES (gen_random_uuid(), 'a@example.com', 'x', 'x@example.com', '{}', '{}')`,
    );
    await markMailDue(app, AGENCY_MAIL);
    await markMailDue(app, AGENCY_MAIL); // a second mark updates the first
    // How delivery stands is readable (what waits is not: below).
    const { rows } = await sql.query(
      `SELECT count(*)::int AS n, max(status) AS s FROM "MailOutbox" WHERE "lastError" IS NULL`,
    );
    expect(rows[0]).toMatchObject({ s: "pending" });
    // Agency single sign-on (decision 042): link an existing agency user to their identity at the
    // agency's provider, and stamp its later sign-ins.
    const link = await app.agencySsoIdentity.create({
      data: { agencyUserId: user.id, issuer: "https://idp.agency.example", subject: "sub-1" },
    });
    await app.agencySsoIdentity.update({ where: { id: link.id }, data: { lastSignInAt: new Date() } });
    const stamped = await app.agencySsoIdentity.findUniqueOrThrow({ where: { id: link.id } });
    expect(stamped.lastSignInAt).toBeInstanceOf(Date);
  });

  it("cannot change tenants, servers, credentials, roles, SSO links or operations, read server credentials, nor alter the audit log", async () => {
    for (const statement of [
      `UPDATE "Tenant" SET status = 'active'`,
      `INSERT INTO "Tenant" (id, slug, name, theme, "updatedAt") VALUES (gen_random_uuid(), 'x', 'x', '{}', now())`,
      `DELETE FROM "DatabaseServer"`,
      `UPDATE "TenantDatabase" SET "passwordCiphertext" = 'x'`,
      `UPDATE "AgencyUser" SET role = 'owner'`,
      `UPDATE "AgencyUser" SET active = true, "sessionVersion" = 1`,
      `INSERT INTO "AgencyUser" (id, email, name, role, "updatedAt") VALUES (gen_random_uuid(), 'x@y.z', 'x', 'owner', now())`,
      `UPDATE "ImpersonationGrant" SET "targetUserId" = gen_random_uuid(), "expiresAt" = now() + interval '1 day'`,
      `DELETE FROM "ImpersonationGrant"`,
      `UPDATE "AgencyInvitation" SET "expiresAt" = now() + interval '1 year'`,
      // A session row is never revived or prolonged (a trigger: the column grant allows "endedAt"),
      // nor moved to another user, nor deleted.
      `UPDATE "AgencySession" SET "endedAt" = NULL`, // the row the first test ended
      `UPDATE "AgencySession" SET "expiresAt" = now() + interval '1 year'`,
      `UPDATE "AgencySession" SET "agencyUserId" = gen_random_uuid()`,
      `DELETE FROM "AgencySession"`,
      `UPDATE "AuditEntry" SET "actorLabel" = 'x'`,
      `DELETE FROM "AuditEntry"`,
      `CREATE TABLE "Sneaky" (id int)`,
      `SELECT "adminUrlCiphertext" FROM "DatabaseServer"`,
      `SELECT "poolerAuthFile" FROM "DatabaseServer"`,
      `UPDATE "DatabaseServer" SET "poolerUrl" = 'postgres://attacker:6432'`,
      `UPDATE "Operation" SET status = 'succeeded'`,
      // Sending, sweeping and pruning mail are the job worker's: the app neither settles nor deletes.
      // Nor read what waits there: a queued agency invitation carries its single-use link.
      `SELECT content FROM "MailOutbox"`,
      `SELECT "toAddress" FROM "MailOutbox"`,
      `DELETE FROM "MailOutbox"`,
      `UPDATE "MailOutbox" SET status = 'sent', "sentAt" = now()`,
      `DELETE FROM "MailTarget"`,
      `DELETE FROM "Operation"`,
      // An SSO link, once made, is never moved to another agency user or another identity, nor
      // removed by the web app: that would let one person sign in as another.
      `UPDATE "AgencySsoIdentity" SET "agencyUserId" = gen_random_uuid()`,
      `UPDATE "AgencySsoIdentity" SET subject = 'someone-else', issuer = 'https://attacker.example'`,
      `DELETE FROM "AgencySsoIdentity"`,
      `INSERT INTO "TenantLogo" ("tenantId", sha256, "contentType", bytes) VALUES (gen_random_uuid(), 'x', 'image/png', '')`,
    ]) {
      await expect(sql.query(statement), statement).rejects.toMatchObject({ code: "42501" });
    }
  });

  it("queues an operation and its job in one transaction, but cannot take, finish or delete jobs (decision 039)", async () => {
    const actor = { type: "agency-user" as const, id: null, label: "a@agency.example" };
    const { id } = await queueOperation(app, { kind: "suspend", slug: "x", input: {}, actor });
    const job = await withClient(
      cp.url,
      async (c) => (await c.query(`SELECT name, state FROM pgboss.job WHERE id = $1`, [id])).rows,
    );
    expect(job).toEqual([{ name: "operations", state: "created" }]);
    // Asking for an outbox's flush is a job too: asked twice before it runs, it is queued once.
    await sendMailFlushJob(app, AGENCY_MAIL);
    await sendMailFlushJob(app, AGENCY_MAIL);
    const flushes = await withClient(
      cp.url,
      async (c) => (await c.query(`SELECT data, state, singleton_key FROM pgboss.job WHERE name = 'mail.flush'`)).rows,
    );
    expect(flushes).toEqual([{ data: { realm: "agency", context: {} }, state: "created", singleton_key: "agency" }]);
    for (const statement of [
      `SELECT data FROM pgboss.job`,
      `UPDATE pgboss.job SET state = 'active'`,
      `DELETE FROM pgboss.job`,
      `UPDATE pgboss.queue SET retry_limit = 100`,
      `INSERT INTO pgboss.schedule (name, key, cron, timezone) VALUES ('operations', 'x', '* * * * *', 'UTC')`,
    ]) {
      await expect(sql.query(statement), statement).rejects.toMatchObject({ code: "42501" });
    }
  });

  it("cannot connect to tenant databases or the postgres database", async () => {
    const other = new URL(appUrl);
    other.pathname = "/postgres";
    await expect(
      (async () => {
        const c = new pg.Client({ connectionString: other.toString() });
        await c.connect();
        await c.end();
      })(),
    ).rejects.toMatchObject({ code: "42501" });
  });
});

describe("the app's control-plane role and audit sinks (decision 049, security case 114)", () => {
  it("adds, rotates, disables and deletes a sink, but never reads its sealed key or moves its cursor", async () => {
    const actor = { type: "agency-user" as const, label: "owner@agency.example" };
    const deps = { control: app, keyring: cp.deps.keyring, allowPrivate: false };
    // Positive control: everything the pages do works with the app's role.
    const { id } = await createAuditSink(
      deps,
      null,
      { kind: "webhook", name: "s", url: "https://siem.example.com/" },
      actor,
    );
    await rotateAuditSinkSecret(deps, null, id, actor);
    await setAuditSinkEnabled(app, null, id, false, actor);
    const listed = await sql.query(`SELECT name, cursor, "lastError" FROM "AuditSink" WHERE id = $1`, [id]);
    expect(listed.rows).toHaveLength(1);
    // The key and the delivery state stay the worker's.
    await expect(sql.query(`SELECT "secretCiphertext" FROM "AuditSink"`)).rejects.toThrow(/permission denied/);
    await expect(sql.query(`UPDATE "AuditSink" SET cursor = 99 WHERE id = $1`, [id])).rejects.toThrow(
      /permission denied/,
    );
    await deleteAuditSink(app, null, id, actor);
    expect(await cp.deps.control.auditSink.count({ where: { id } })).toBe(0);
  });
});
