import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  completeSamlSignIn,
  consumeSamlTicket,
  loadSamlConnection,
  finishSamlTest,
  samlTicketReturnTo,
  saveSamlConnection,
  setSamlEnabled,
  startSamlSignIn,
} from "../../lib/auth/saml-sign-in.server.ts";
import { tenantSamlServiceProvider } from "../../lib/auth/saml.server.ts";
import type { PooledClient } from "../../lib/db/client-cache.ts";
import type { TenantDb } from "../../lib/db/tenant-db.server.ts";
import type { ResolvedTenant } from "../../lib/tenancy/resolver.ts";
import { openTenantDb, provisionTestTenant, testControlPlane, type TestControlPlane } from "../support/databases.ts";
import { installTestPlatform } from "../support/platform.ts";
import { samlSigningKey, startSamlIdp, type SamlIdp, type SamlIdpUser } from "../support/saml-idp.ts";

/**
 * SAML sign-in wired to the portal (docs/decisions/043): the owner's saved IdP, the answer at the
 * ACS URL turning into a member just in time (role from the IdP's groups) and a single-use ticket
 * that next-auth's "saml" provider consumes. Two tenants, each with its own real IdP.
 */
let cp: TestControlPlane;
let installed: ReturnType<typeof installTestPlatform>;
let idpA: SamlIdp;
let idpB: SamlIdp;
let a: ResolvedTenant;
let b: ResolvedTenant;
let dbA: PooledClient<TenantDb>;

async function tenantNamed(base: string, name: string) {
  return installed.tenant((await provisionTestTenant(cp, base, name)).slug);
}

beforeAll(async () => {
  cp = await testControlPlane();
  installed = installTestPlatform(cp);
  a = await tenantNamed("saml-a", "SAML A");
  b = await tenantNamed("saml-b", "SAML B");
  dbA = await openTenantDb(cp, a.id, "saml-sign-in-a");
  idpA = await startSamlIdp();
  idpB = await startSamlIdp();
  for (const idp of [idpA, idpB]) {
    idp.registerServiceProvider(tenantSamlServiceProvider(a.primaryHost));
    idp.registerServiceProvider(tenantSamlServiceProvider(b.primaryHost));
  }
}, 120_000);

afterAll(async () => {
  await idpA?.close();
  await idpB?.close();
  await dbA?.close();
  await installed?.uninstall();
  await cp?.cleanup();
});

const connectionOf = (idp: SamlIdp) => ({
  idpEntityId: idp.entityId,
  idpSsoUrl: idp.ssoUrl,
  idpCertificate: idp.certificate,
  roleMapping: [{ group: "events-team", role: "staff" as const }],
});

/** The browser's trip: start at the portal, sign in at `idp`, post the answer to `tenant`'s ACS URL. */
async function signInThrough(idp: SamlIdp, startAt: ResolvedTenant, postTo: ResolvedTenant, user: SamlIdpUser) {
  const loginUrl = await startSamlSignIn(startAt, "/events/spring-gala");
  if (!loginUrl) throw new Error("SAML sign-in not offered");
  const posted = await idp.signIn(loginUrl, user);
  const done = await completeSamlSignIn(postTo, posted.samlResponse, posted.relayState);
  if (done.ok && done.test) throw new Error("a sign-in was taken for a test");
  return done;
}

/** The admin's test sign-in, as the settings page runs it: checked in full, then recorded. */
async function testSignIn(idp: SamlIdp, tenant: ResolvedTenant, user: SamlIdpUser) {
  const loginUrl = await startSamlSignIn(tenant, "/account", { test: true });
  if (!loginUrl) throw new Error("SAML test sign-in not offered");
  const posted = await idp.signIn(loginUrl, user);
  const done = await completeSamlSignIn(tenant, posted.samlResponse, posted.relayState);
  if (!done.ok || !done.test) throw new Error(done.ok ? "not a test" : done.reason);
  return finishSamlTest(tenant, done.ticket);
}

describe("the owner's SAML settings", () => {
  it("refuses an expired or unreadable certificate with what to do, and saves nothing", async () => {
    const expired = samlSigningKey({ notBefore: new Date("2024-01-01Z"), notAfter: new Date("2025-06-30T12:00:00Z") });
    expect(await saveSamlConnection(a, { ...connectionOf(idpA), idpCertificate: expired.certificate })).toEqual({
      ok: false,
      errors: [
        { field: "idpCertificate", message: "The certificate expired on 2025-06-30; upload the IdP's current one." },
      ],
    });
    const junk = await saveSamlConnection(a, { ...connectionOf(idpA), idpCertificate: "MIIB-not-a-cert" });
    expect(junk).toEqual({
      ok: false,
      errors: [{ field: "idpCertificate", message: expect.stringMatching(/^This is not a certificate/) }],
    });
    expect(await loadSamlConnection(a)).toBeNull();
  });

  it("saves the IdP's current certificate (positive control); sign-in is offered only once tested and enabled", async () => {
    expect(await saveSamlConnection(a, connectionOf(idpA))).toEqual({ ok: true, needsTest: true });
    expect(await loadSamlConnection(a)).toMatchObject({ enabled: false, testedAt: null, idpEntityId: idpA.entityId });
    expect(await startSamlSignIn(a, "/account")).toBeNull();
    await expect(setSamlEnabled(a, true, "owner@a.example")).rejects.toThrow(/test sign-in/);
    expect(await startSamlSignIn(a, "/account", { test: true })).toEqual(
      expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/sso\?SAMLRequest=/),
    );
    expect(await testSignIn(idpA, a, { nameId: "it@acme.example", groups: ["events-team"] })).toEqual({
      ok: true,
      role: "staff",
    });
    // The test created no one.
    expect(await dbA.client.user.findUnique({ where: { email: "it@acme.example" } })).toBeNull();
    await setSamlEnabled(a, true, "owner@a.example");
    expect(await startSamlSignIn(a, "/account")).toEqual(expect.stringMatching(/\/sso\?SAMLRequest=/));
    expect(await saveSamlConnection(b, connectionOf(idpB))).toEqual({ ok: true, needsTest: true });
    expect(await testSignIn(idpB, b, { nameId: "it@globex.example" })).toEqual({ ok: true, role: "member" });
    await setSamlEnabled(b, true, "owner@b.example");
  });
});

describe("signing in with the tenant's IdP", () => {
  const pat: SamlIdpUser = { nameId: "pat@acme.example", name: "Pat Planner", groups: ["events-team"] };

  it("creates the member on first sign-in with the role their group maps to; the ticket signs them in once", async () => {
    expect(await dbA.client.user.findUnique({ where: { email: "pat@acme.example" } })).toBeNull();
    const first = await signInThrough(idpA, a, a, pat);
    if (!first.ok) throw new Error(first.reason);
    expect(first).toMatchObject({ created: true, returnTo: "/events/spring-gala" });
    expect(await dbA.client.user.findUnique({ where: { email: "pat@acme.example" } })).toMatchObject({
      name: "Pat Planner",
      role: "staff",
      passwordHash: null,
    });
    expect(await samlTicketReturnTo(a, first.ticket)).toBe("/events/spring-gala");
    expect(await consumeSamlTicket(a, first.ticket)).toMatchObject({
      id: first.userId,
      email: "pat@acme.example",
      role: "staff",
    });
    // Single use, and only on its own tenant.
    expect(await consumeSamlTicket(a, first.ticket)).toBeNull();
    expect(await samlTicketReturnTo(a, first.ticket)).toBeNull();
  });

  it("finds the same member on the second sign-in, and keeps the role the portal gave them", async () => {
    await dbA.client.user.update({ where: { email: "pat@acme.example" }, data: { role: "owner" } });
    const second = await signInThrough(idpA, a, a, { ...pat, groups: [] });
    if (!second.ok) throw new Error(second.reason);
    expect(second.created).toBe(false);
    expect(await dbA.client.user.count({ where: { email: "pat@acme.example" } })).toBe(1);
    expect(await consumeSamlTicket(a, second.ticket)).toMatchObject({ id: second.userId, role: "owner" });
  });

  it("refuses a user of another tenant's IdP, and creates nobody; tenant B signs them in (positive control)", async () => {
    const lee: SamlIdpUser = { nameId: "lee@globex.example", name: "Lee" };
    const refused = await signInThrough(idpB, a, a, lee);
    expect(refused).toMatchObject({ ok: false, code: "bad-signature", reason: expect.stringMatching(/signature/) });
    expect(await dbA.client.user.findUnique({ where: { email: "lee@globex.example" } })).toBeNull();
    // B's genuine answer posted to A's ACS URL: refused too.
    const crossPosted = await signInThrough(idpB, b, a, lee);
    expect(crossPosted.ok).toBe(false);
    expect(await dbA.client.user.findUnique({ where: { email: "lee@globex.example" } })).toBeNull();

    const atB = await signInThrough(idpB, b, b, lee);
    if (!atB.ok) throw new Error(atB.reason);
    expect(atB.created).toBe(true);
    expect(await consumeSamlTicket(a, atB.ticket)).toBeNull();
    expect(await consumeSamlTicket(b, atB.ticket)).toMatchObject({ email: "lee@globex.example", role: "member" });
  });

  it("refuses a deactivated member; the same person signs in once reactivated (positive control)", async () => {
    await dbA.client.user.update({ where: { email: "pat@acme.example" }, data: { active: false } });
    expect(await signInThrough(idpA, a, a, pat)).toMatchObject({ ok: false, code: "inactive" });
    await dbA.client.user.update({ where: { email: "pat@acme.example" }, data: { active: true } });
    expect(await signInThrough(idpA, a, a, pat)).toMatchObject({ ok: true, created: false });
  });

  it("drops a return path to another host; lands staff on /manage (positive control: a same-host path is kept above)", async () => {
    const loginUrl = await startSamlSignIn(a, "https://evil.example/steal");
    const posted = await idpA.signIn(loginUrl!, pat);
    expect(posted.relayState ?? "").toBe("");
    const done = await completeSamlSignIn(a, posted.samlResponse, "//evil.example/");
    expect(done).toMatchObject({ ok: true, returnTo: "/manage" });
  });
});
