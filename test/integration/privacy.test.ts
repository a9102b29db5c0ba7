import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendTenantAudit, verifyTenantTrail } from "../../lib/audit/tenant-trail.server.ts";
import type { TenantUser } from "../../lib/auth/tenant-guard.server.ts";
import type { PooledClient } from "../../lib/db/client-cache.ts";
import type { TenantDb } from "../../lib/db/tenant-db.server.ts";
import {
  carryOutErasure,
  changeRetention,
  downloadOwnData,
  privacyOverview,
  rejectErasure,
  requestErasure,
  type WithTenant,
} from "../../lib/lifecycle/data-requests.server.ts";
import {
  applyRetention,
  countsToken,
  readRetentionPolicy,
  retentionPreview,
  RETENTION_DEFAULTS,
  RetentionNeedsConfirmation,
  runRetention,
} from "../../lib/lifecycle/retention.server.ts";
import { provisionTenant } from "../../lib/provisioning/provision.server.ts";
import { parseTenantSpec } from "../../lib/provisioning/spec.ts";
import type { ResolvedTenant } from "../../lib/tenancy/resolver.ts";
import { FALLBACK_THEME } from "../../lib/tenancy/theme.ts";
import { openTenantDb, testControlPlane, type TestControlPlane } from "../support/databases.ts";
import { navigationDigest } from "../support/request-scope.ts";
import { runScript } from "../support/scripts.ts";
import { withClient } from "../../lib/db/postgres.ts";
import { startJobWorker } from "../../lib/jobs/jobs.server.ts";
import { startRetentionJob } from "../../lib/lifecycle/retention-job.server.ts";
import { tenantViewer } from "../support/viewers.ts";
import { columnsHolding } from "../support/scan-columns.ts";

/**
 * Retention and GDPR requests (docs/decisions/050, 051) against real tenant databases: the
 * erasure scan reads every text, varchar and json column of every table afterwards.
 */
let cp: TestControlPlane;
const dbs = new Map<string, PooledClient<TenantDb>>();
const useTenant: WithTenant = (tenantId, fn) => fn(dbs.get(tenantId)!.client);
type Portal = { tenant: ResolvedTenant; db: TenantDb; owner: TenantUser; admin: TenantUser; member: TenantUser };
let run = 0;
const DAY = 86_400_000;

async function portal(base: string, memberName: string): Promise<Portal> {
  const slug = cp.slug(base);
  const tag = randomBytes(3).toString("hex");
  const { tenantId } = await provisionTenant(
    cp.deps,
    parseTenantSpec({
      slug,
      name: base,
      theme: FALLBACK_THEME,
      demo: {
        users: [
          { email: `owner@${base}.example`, name: "Olu Owner", role: "owner" },
          { email: `admin@${base}.example`, name: "Ada Admin", role: "admin" },
          { email: `member-${tag}@${base}.example`, name: memberName, role: "member" },
        ],
      },
    }),
    { mode: "create" },
  );
  const pooled = await openTenantDb(cp, tenantId, `${base}-privacy`);
  dbs.set(tenantId, pooled);
  const user = async (email: string) => {
    const u = await pooled.client.user.findUniqueOrThrow({ where: { email } });
    return tenantViewer(tenantId, { id: u.id, email: u.email, name: u.name, role: u.role });
  };
  const tenant = { id: tenantId, slug, status: "active" } as ResolvedTenant;
  return {
    tenant,
    db: pooled.client,
    owner: await user(`owner@${base}.example`),
    admin: await user(`admin@${base}.example`),
    member: await user(`member-${tag}@${base}.example`),
  };
}

/** A fresh member of `p` with data in every table that can hold something about a person. */
async function seedPerson(p: Portal, name: string) {
  const email = `${name.toLowerCase().replace(/[^a-z]+/g, ".")}-${++run}@people.example`;
  const db = p.db;
  const user = await db.user.create({ data: { email, name, role: "member", passwordHash: "x", locale: "en" } });
  const event = await db.event.create({
    data: {
      slug: `gala-${run}-${randomBytes(2).toString("hex")}`,
      title: "Gala",
      startsAt: new Date(Date.now() - 400 * DAY),
      endsAt: new Date(Date.now() - 399 * DAY),
      timeZone: "UTC",
      status: "published",
      capacity: 10,
    },
  });
  await db.registration.create({
    data: {
      eventId: event.id,
      userId: user.id,
      email,
      name,
      status: "confirmed",
      answers: { diet: `${name} eats no fish`, contact: email },
      ticketCode: randomBytes(12).toString("hex"),
      checkedInAt: new Date(Date.now() - 399 * DAY),
    },
  });
  await db.mailOutbox.create({
    data: {
      toAddress: email,
      fromName: "Portal",
      fromAddress: "portal@portal.example",
      content: { kind: "ticket", greeting: `Hello ${name}` },
      brand: {},
      status: "sent",
      createdAt: new Date(Date.now() - 300 * DAY),
    },
  });
  await db.loginToken.create({
    data: {
      tokenHash: randomBytes(32).toString("hex"),
      email,
      purpose: "sign-in",
      userId: user.id,
      expiresAt: new Date(Date.now() + DAY),
    },
  });
  await db.userSession.create({
    data: {
      userId: user.id,
      expiresAt: new Date(Date.now() + DAY),
      ip: "203.0.113.9",
      userAgent: `UA of ${name}`,
      method: "password",
    },
  });
  await db.passkey.create({
    data: {
      id: randomBytes(16).toString("hex"),
      userId: user.id,
      publicKey: Buffer.from("k"),
      name: `${name}'s phone`,
    },
  });
  await db.userTotp.create({ data: { userId: user.id, secretCiphertext: "sealed", keyId: "k1" } });
  await db.recoveryCode.create({ data: { userId: user.id, codeHash: randomBytes(32).toString("hex") } });
  await db.ssoIdentity.create({ data: { userId: user.id, issuer: "https://idp.example", subject: `sub-${email}` } });
  await db.webAuthnChallenge.create({
    data: {
      challenge: randomBytes(16).toString("hex"),
      userId: user.id,
      purpose: "sign-in",
      expiresAt: new Date(Date.now() + DAY),
    },
  });
  await db.emailDomain.create({
    data: {
      domain: `d${run}-${randomBytes(2).toString("hex")}.example.com`,
      token: "t",
      createdBy: email,
      verifiedBy: email,
    },
  });
  await db.ssoConnection.upsert({
    where: { kind: "oidc" },
    create: { kind: "oidc", displayName: "IdP", issuer: "https://idp.example", updatedBy: email },
    update: { updatedBy: email },
  });
  await db.samlConfig.upsert({
    where: { id: 1 },
    create: { id: 1, idpEntityId: "e", idpSsoUrl: "https://idp.example/sso", idpCertificate: "c", updatedBy: email },
    update: { updatedBy: email },
  });
  await appendTenantAudit(db, {
    actor: { type: "member", personEmail: email, personName: name, label: "member" },
    action: "auth.sign-in",
  });
  await appendTenantAudit(db, {
    actor: { type: "member", personEmail: p.admin.email, personName: p.admin.name, label: "member" },
    ip: "198.51.100.77",
    action: "event.check-in",
    subject: { email, name },
  });
  const viewer = tenantViewer(p.tenant.id, { id: user.id, email, name, role: "member" });
  return { email, name, user, event, viewer };
}

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error("expected a refusal");
    },
    (error: unknown) => error,
  );

let alpha: Portal;

beforeAll(async () => {
  process.env.__NEXT_EXPERIMENTAL_AUTH_INTERRUPTS = "true";
  cp = await testControlPlane();
  alpha = await portal("alpha", "Mira Member");
});
afterAll(async () => {
  for (const pooled of dbs.values()) await pooled.close();
  await cp?.cleanup();
});

describe("erasure", () => {
  it("removes the member's email and name from every column of every table, keeps counts, the trail and others' data", async () => {
    // The other first: the single-row settings (SSO, SAML) then name the target last.
    const other = await seedPerson(alpha, "Bartholomew Oakenshield");
    const target = await seedPerson(alpha, "Zephyrine Quillfeather");
    const { id: requestId } = await requestErasure(alpha.tenant, target.viewer, useTenant);

    // Positive control: the same scan finds them everywhere before.
    const before = await columnsHolding(alpha.db, target.email);
    for (const where of [
      "User.email",
      "Registration.email",
      "Registration.answers",
      "MailOutbox.toAddress",
      "LoginToken.email",
      "EmailDomain.createdBy",
      "EmailDomain.verifiedBy",
      "SsoConnection.updatedBy",
      "SamlConfig.updatedBy",
      "AuditPerson.email",
      "SsoIdentity.subject",
    ])
      expect(before).toContain(where);
    expect(await columnsHolding(alpha.db, target.name)).toEqual(
      expect.arrayContaining([
        "User.name",
        "Registration.name",
        "MailOutbox.content",
        "Passkey.name",
        "UserSession.userAgent",
        "AuditPerson.name",
      ]),
    );
    const countBefore = await alpha.db.registration.count({ where: { eventId: target.event.id } });

    const done = await carryOutErasure(alpha.tenant, alpha.admin, requestId, useTenant);
    expect(done.registrationsAnonymised).toBe(1);
    expect(done.messagesDeleted).toBe(1);

    expect(await columnsHolding(alpha.db, target.email)).toEqual([]);
    expect(await columnsHolding(alpha.db, target.name)).toEqual([]);
    // Counts and check-ins stay; the place is anonymous.
    expect(await alpha.db.registration.count({ where: { eventId: target.event.id } })).toBe(countBefore);
    const kept = await alpha.db.registration.findFirstOrThrow({ where: { eventId: target.event.id } });
    expect(kept).toMatchObject({ name: "", userId: null, answers: {}, status: "confirmed" });
    expect(kept.anonymisedAt).toBeInstanceOf(Date);
    expect(kept.checkedInAt).toBeInstanceOf(Date);
    // The request is completed, naming the member by id only; the trail still verifies and records it.
    expect(await alpha.db.dataSubjectRequest.findUniqueOrThrow({ where: { id: requestId } })).toMatchObject({
      status: "completed",
      userId: target.user.id,
      handledById: alpha.admin.id,
    });
    expect(await verifyTenantTrail(alpha.db)).toMatchObject({ ok: true });
    const entry = await alpha.db.auditEntry.findFirstOrThrow({
      where: { action: "privacy.erasure" },
      include: { subject: true },
    });
    expect(entry.subject).toMatchObject({ email: null, name: null });
    expect(entry.subject?.erasedAt).toBeInstanceOf(Date);
    // The agency's control plane holds nothing about it.
    const agencyLog = await cp.deps.control.auditEntry.findMany({ where: { tenantId: alpha.tenant.id } });
    expect(JSON.stringify(agencyLog)).not.toContain(target.email);

    // The other member is untouched.
    expect(await columnsHolding(alpha.db, other.email)).toEqual(
      expect.arrayContaining(["User.email", "Registration.email", "MailOutbox.toAddress", "AuditPerson.email"]),
    );
    expect(await alpha.db.user.findUnique({ where: { id: other.user.id } })).not.toBeNull();
  });

  it("refuses owners and a handler erasing themselves, and a request already handled", async () => {
    const ownerRequest = await alpha.db.dataSubjectRequest.create({
      data: { kind: "erasure", userId: alpha.owner.id },
    });
    expect(String(await refusal(carryOutErasure(alpha.tenant, alpha.admin, ownerRequest.id, useTenant)))).toMatch(
      /Owners cannot be erased/,
    );
    const adminRequest = await alpha.db.dataSubjectRequest.create({
      data: { kind: "erasure", userId: alpha.admin.id },
    });
    expect(String(await refusal(carryOutErasure(alpha.tenant, alpha.admin, adminRequest.id, useTenant)))).toMatch(
      /your own erasure/,
    );
    await rejectErasure(alpha.tenant, alpha.admin, ownerRequest.id, useTenant);
    expect(String(await refusal(carryOutErasure(alpha.tenant, alpha.owner, ownerRequest.id, useTenant)))).toMatch(
      /already rejected/,
    );
    // Positive control: the owner carries out the admin's request.
    await carryOutErasure(alpha.tenant, alpha.owner, adminRequest.id, useTenant);
    expect(await alpha.db.user.findUnique({ where: { id: alpha.admin.id } })).toBeNull();
    alpha = await portal(`alpha${++run}`, "Mira Member");
  });
});

describe("download my data", () => {
  it("holds the member's own data and nothing of another member", async () => {
    const me = await seedPerson(alpha, "Ottoline Vantablack");
    const other = await seedPerson(alpha, "Cornelius Brightwater");
    const data = await downloadOwnData(alpha.tenant, me.viewer, useTenant);
    const text = JSON.stringify(data, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
    expect(data).toMatchObject({ format: "portico.member-data/1", profile: { email: me.email, name: me.name } });
    expect((data.registrations as unknown[]).length).toBe(1);
    expect((data.messages as unknown[]).length).toBe(1);
    expect((data.sessions as unknown[]).length).toBe(1);
    expect((data.ssoIdentities as unknown[]).length).toBe(1);
    // Their sign-in, the check-in about them, and the download itself.
    expect((data.auditEntries as Array<{ action: string }>).map((e) => e.action)).toEqual([
      "auth.sign-in",
      "event.check-in",
      "privacy.export",
    ]);
    expect(text).toContain(`${me.name} eats no fish`);
    // The check-in was the admin's act: where the admin was is not in the member's download.
    const checkIn = (data.auditEntries as Array<{ action: string; ip: string | null }>).find(
      (e) => e.action === "event.check-in",
    );
    expect(checkIn?.ip).toBeNull();
    expect(text).not.toContain(other.email);
    expect(text).not.toContain(other.name);
    expect(text).not.toContain("passwordHash");
    expect(text).not.toContain("sealed");
    expect(
      await alpha.db.dataSubjectRequest.count({ where: { userId: me.user.id, kind: "export", status: "completed" } }),
    ).toBe(1);
  });
});

describe("while the agency views the portal as a member", () => {
  it("refuses the download and the erasure request; the member themselves may (positive control)", async () => {
    const me = await seedPerson(alpha, "Isadora Impersonated");
    const viewedAs = tenantViewer(alpha.tenant.id, { id: me.user.id, email: me.email, name: me.name, role: "member" });
    const impersonated = {
      ...viewedAs,
      impersonation: {
        grantId: "g",
        agencyUserEmail: "ops@agency.example",
        sessionExpiresAt: new Date(Date.now() + DAY),
      },
    } as TenantUser;
    expect(String(await refusal(downloadOwnData(alpha.tenant, impersonated, useTenant)))).toMatch(
      /by the member themselves/,
    );
    expect(String(await refusal(requestErasure(alpha.tenant, impersonated, useTenant)))).toMatch(
      /by the member themselves/,
    );
    expect(await alpha.db.dataSubjectRequest.count({ where: { userId: me.user.id } })).toBe(0);
    expect((await requestErasure(alpha.tenant, me.viewer, useTenant)).created).toBe(true);
    expect((await requestErasure(alpha.tenant, me.viewer, useTenant)).created).toBe(false);
  });
});

describe("the privacy page's guard", () => {
  it("refuses members and staff, and lets admins and owners in", async () => {
    expect(navigationDigest(await refusal(privacyOverview(alpha.tenant, alpha.member, useTenant)))).toBe(
      "NEXT_HTTP_ERROR_FALLBACK;403",
    );
    expect(
      navigationDigest(await refusal(changeRetention(alpha.tenant, alpha.member, RETENTION_DEFAULTS, null, useTenant))),
    ).toBe("NEXT_HTTP_ERROR_FALLBACK;403");
    expect(navigationDigest(await refusal(carryOutErasure(alpha.tenant, alpha.member, "x", useTenant)))).toBe(
      "NEXT_HTTP_ERROR_FALLBACK;403",
    );
    const staff = tenantViewer(alpha.tenant.id, { ...alpha.member, role: "staff" });
    expect(navigationDigest(await refusal(privacyOverview(alpha.tenant, staff, useTenant)))).toBe(
      "NEXT_HTTP_ERROR_FALLBACK;403",
    );
    // Positive control.
    expect((await privacyOverview(alpha.tenant, alpha.admin, useTenant)).policy).toEqual(RETENTION_DEFAULTS);
    expect((await privacyOverview(alpha.tenant, alpha.owner, useTenant)).policy).toEqual(RETENTION_DEFAULTS);
  });
});

describe("retention", () => {
  it("applies exactly what the dry run counted, and audits it", async () => {
    const beta = await portal(`beta${++run}`, "Nell Member");
    const old = await seedPerson(beta, "Philippa Longbottom");
    // A registration a year and a half past: details due (12 months), not yet anonymisation (36).
    const recent = await beta.db.event.create({
      data: {
        slug: `recent-${run}`,
        title: "Recent",
        startsAt: new Date(Date.now() - 550 * DAY),
        endsAt: new Date(Date.now() - 549 * DAY),
        timeZone: "UTC",
      },
    });
    await beta.db.registration.create({
      data: {
        eventId: recent.id,
        email: "guest@people.example",
        name: "Guest Person",
        status: "confirmed",
        answers: { a: "b" },
        ticketCode: `r-${run}`,
      },
    });
    const policy = { registrationsMonths: 12, attendeeDetailsMonths: 6, messagesMonths: 3, auditMonths: null };
    const dry = await retentionPreview(beta.db, policy);
    expect(dry).toEqual({ registrations: 2, attendeeDetails: 0, messages: 1, auditEntries: 0 });
    const applied = await applyRetention(beta.db, { policy });
    expect(applied).toEqual(dry);
    expect(await retentionPreview(beta.db, policy)).toEqual({
      registrations: 0,
      attendeeDetails: 0,
      messages: 0,
      auditEntries: 0,
    });
    expect(await columnsHolding(beta.db, old.name)).toEqual(
      ["AuditPerson.name", "Passkey.name", "UserSession.userAgent", "User.name"].sort(),
    );
    const entry = await beta.db.auditEntry.findFirstOrThrow({ where: { action: "retention.applied" } });
    expect(entry).toMatchObject({ actorType: "system", actorLabel: "system: retention", actorPersonId: null });
    expect(entry.details).toMatchObject({ registrations: 2, messages: 1 });

    // Audit entries: the dry run's count is what the prune deletes, through the CLI's runner too.
    const auditPolicy = { ...policy, auditMonths: 1 };
    await beta.db.retentionPolicy.upsert({ where: { id: 1 }, create: { id: 1, ...auditPolicy }, update: auditPolicy });
    const future = new Date(Date.now() + 70 * DAY);
    const [dryRun] = await runRetention(
      { control: cp.deps.control, withTenant: useTenant },
      { slug: beta.tenant.slug, dryRun: true, now: future },
    );
    expect(dryRun?.counts?.auditEntries).toBeGreaterThan(2);
    const [wet] = await runRetention(
      { control: cp.deps.control, withTenant: useTenant },
      { slug: beta.tenant.slug, now: future },
    );
    expect(wet?.counts).toEqual(dryRun?.counts);
    expect(await verifyTenantTrail(beta.db)).toMatchObject({ ok: true });
    expect(
      String(await refusal(runRetention({ control: cp.deps.control, withTenant: useTenant }, { slug: "no-such" }))),
    ).toMatch(/No live tenant is called "no-such"/);
  });

  it("refuses a shortening that removes data until its counts are confirmed; a lengthening saves at once", async () => {
    const gamma = await portal(`gamma${++run}`, "Gus Member");
    await seedPerson(gamma, "Rosalind Featherstonehaugh");
    const shorter = { ...RETENTION_DEFAULTS, registrationsMonths: 6 };
    const refused = await refusal(changeRetention(gamma.tenant, gamma.admin, shorter, null, useTenant));
    expect(refused).toBeInstanceOf(RetentionNeedsConfirmation);
    const counts = (refused as RetentionNeedsConfirmation).counts;
    expect(counts.registrations).toBe(1);
    expect((refused as Error).message).toMatch(/This will anonymise 1 registration\(s\)/);
    expect(await readRetentionPolicy(gamma.db)).toEqual(RETENTION_DEFAULTS);
    // Counts that no longer match (stale preview) are refused too.
    expect(await refusal(changeRetention(gamma.tenant, gamma.admin, shorter, "0.0.0.0", useTenant))).toBeInstanceOf(
      RetentionNeedsConfirmation,
    );
    expect(await readRetentionPolicy(gamma.db)).toEqual(RETENTION_DEFAULTS);
    // Positive control: with the counts shown, saved and applied.
    const saved = await changeRetention(gamma.tenant, gamma.admin, shorter, countsToken(counts), useTenant);
    expect(saved.applied).toEqual(counts);
    expect(await readRetentionPolicy(gamma.db)).toEqual(shorter);
    // Lengthening (or keeping forever) removes nothing: saved without a confirmation.
    const longer = { ...shorter, registrationsMonths: null, auditMonths: 120 };
    expect((await changeRetention(gamma.tenant, gamma.admin, longer, null, useTenant)).applied).toBeNull();
    expect(await readRetentionPolicy(gamma.db)).toEqual(longer);
    expect(await gamma.db.auditEntry.count({ where: { action: "retention.policy-changed" } })).toBe(2);
  });

  it("runs by hand: `tenants -- retention run` counts with --dry-run, then applies the same", async () => {
    const delta = await portal(`delta${++run}`, "Dee Member");
    await seedPerson(delta, "Hieronymus Cloudberry");
    await delta.db.retentionPolicy.create({
      data: { id: 1, registrationsMonths: 12, attendeeDetailsMonths: null, messagesMonths: 3, auditMonths: null },
    });
    const dry = await runScript(
      cp,
      "scripts/tenants.ts",
      "retention",
      "run",
      "--tenant",
      delta.tenant.slug,
      "--dry-run",
    );
    expect(dry.code, dry.err).toBe(0);
    expect(dry.out).toContain(
      `${delta.tenant.slug} would: anonymise 1 registration(s), clear 0 answer set(s), delete 1 message(s) and 0 audit entry(ies)`,
    );
    expect(dry.out).toContain("dry run: nothing changed");
    expect(await delta.db.registration.count({ where: { anonymisedAt: { not: null } } })).toBe(0);
    const wet = await runScript(cp, "scripts/tenants.ts", "retention", "run", "--tenant", delta.tenant.slug);
    expect(wet.code, wet.err).toBe(0);
    expect(wet.out).toContain(
      `${delta.tenant.slug} did: anonymise 1 registration(s), clear 0 answer set(s), delete 1 message(s) and 0 audit entry(ies)`,
    );
    expect(await delta.db.registration.count({ where: { anonymisedAt: { not: null } } })).toBe(1);
    // Bad usage is refused before anything connects, saying what to type.
    const bad = await runScript(cp, "scripts/tenants.ts", "retention");
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("retention needs `run`");
  });

  it("runs on the job queue's schedule over live tenants, audited in each tenant's trail", async () => {
    const epsilon = await portal(`epsilon${++run}`, "Eve Member");
    await seedPerson(epsilon, "Wilhelmina Scheduled");
    await epsilon.db.retentionPolicy.create({
      data: { id: 1, registrationsMonths: 12, attendeeDetailsMonths: null, messagesMonths: null, auditMonths: null },
    });
    const lines: string[] = [];
    const jobs = startJobWorker({
      url: cp.url,
      superviseSeconds: 1,
      maintenanceSeconds: 1,
      pollSeconds: 0.5,
      checkSeconds: 3600,
    });
    try {
      await jobs.started();
      await startRetentionJob(
        jobs,
        { control: cp.deps.control, withTenant: useTenant },
        { cron: "* * * * * *", log: (l) => void lines.push(l) },
      );
      const deadline = Date.now() + 25_000;
      while ((await epsilon.db.auditEntry.count({ where: { action: "retention.applied" } })) === 0) {
        if (Date.now() > deadline)
          throw new Error(`the scheduled retention never ran; the job said: ${lines.join("\n")}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(await epsilon.db.registration.count({ where: { anonymisedAt: { not: null } } })).toBe(1);
      // It ran as a job the schedule sent, not by hand: the job completes just after its run's entry.
      const completed = () =>
        withClient(
          cp.url,
          async (c) =>
            (
              await c.query(
                `SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'retention' AND state = 'completed'`,
              )
            ).rows[0].n as number,
        );
      while ((await completed()) === 0) {
        if (Date.now() > deadline) throw new Error(`no retention job completed; the job said: ${lines.join("\n")}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      await jobs.boss.unschedule("retention");
    } finally {
      await jobs.stop(1_000);
    }
  });
});
