import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { samlAcs, samlRateLimit, type SamlRouteDeps } from "../../lib/auth/saml-acs.server.ts";
import { samlFormProps, saveSamlSettings } from "../../lib/auth/saml-settings.server.ts";
import {
  completeSamlSignIn,
  finishSamlTest,
  loadSamlConnection,
  samlSignInOffer,
  setSamlEnabled,
  startSamlSignIn,
} from "../../lib/auth/saml-sign-in.server.ts";
import { tenantSamlServiceProvider } from "../../lib/auth/saml.server.ts";
import { ConnectionFieldErrors } from "../../lib/auth/sso-connection.server.ts";
import { createThrottle, LIMITS } from "../../lib/security/throttle.server.ts";
import type { ResolvedTenant } from "../../lib/tenancy/resolver.ts";
import { provisionTestTenant, testControlPlane, uniqueTag, type TestControlPlane } from "../support/databases.ts";
import { installTestPlatform } from "../support/platform.ts";
import { samlSigningKey, startSamlIdp, type SamlIdp } from "../support/saml-idp.ts";

/**
 * The SAML connection's settings form (docs/decisions/043): what the form sends is checked before
 * anything is stored (a bad URL, an expired certificate, text that is not one, a role mapping
 * naming owner), a change of IdP switches the connection off until an admin's test sign-in
 * succeeds, and the ACS URL audits every refusal against the tenant and is rate-limited per
 * address and portal. Two tenants, each with its own real IdP, and a third IdP no one trusts.
 */
let cp: TestControlPlane;
let installed: ReturnType<typeof installTestPlatform>;
let idpA: SamlIdp;
let idpB: SamlIdp;
let stranger: SamlIdp;
let a: ResolvedTenant;
let b: ResolvedTenant;
let pool: pg.Pool;
let deps: SamlRouteDeps;

async function tenantNamed(base: string, name: string) {
  return installed.tenant((await provisionTestTenant(cp, base, name)).slug);
}

beforeAll(async () => {
  cp = await testControlPlane();
  installed = installTestPlatform(cp);
  a = await tenantNamed("samlset-a", "SAML Settings A");
  b = await tenantNamed("samlset-b", "SAML Settings B");
  idpA = await startSamlIdp();
  idpB = await startSamlIdp();
  stranger = await startSamlIdp();
  for (const idp of [idpA, idpB, stranger]) {
    idp.registerServiceProvider(tenantSamlServiceProvider(a.primaryHost));
    idp.registerServiceProvider(tenantSamlServiceProvider(b.primaryHost));
  }
  pool = new pg.Pool({ connectionString: cp.url, max: 2 });
  deps = { control: cp.deps.control, throttle: createThrottle({ pool, prefix: `saml-${uniqueTag()}` }) };
}, 120_000);

afterAll(async () => {
  await idpA?.close();
  await idpB?.close();
  await stranger?.close();
  await pool?.end();
  await installed?.uninstall();
  await cp?.cleanup();
});

const formOf = (idp: SamlIdp, overrides: Record<string, string> = {}) => ({
  displayName: "Acme Login",
  idpEntityId: idp.entityId,
  idpSsoUrl: idp.ssoUrl,
  idpCertificate: idp.certificate,
  groupsAttribute: "groups",
  roleMap: "events-team = staff\nit-admins = admin",
  defaultRole: "member",
  ...overrides,
});

/** The field errors a save was refused with; fails the test when it was not refused. */
async function refusedFields(tenant: ResolvedTenant, form: Record<string, string>) {
  try {
    await saveSamlSettings(tenant, form, "owner@a.example");
  } catch (error) {
    if (error instanceof ConnectionFieldErrors) return error.errors;
    throw error;
  }
  throw new Error("the save was not refused");
}

/** The admin's test sign-in, as the settings page runs it (start ?test=1, the IdP, the ACS, the test's end). */
async function testSignIn(idp: SamlIdp, tenant: ResolvedTenant, groups: string[] = []) {
  const loginUrl = await startSamlSignIn(tenant, "", { test: true });
  const posted = await idp.signIn(loginUrl!, { nameId: `it-${uniqueTag()}@acme.example`, groups });
  const done = await completeSamlSignIn(tenant, posted.samlResponse, posted.relayState);
  if (!done.ok || !done.test) throw new Error(done.ok ? "not a test" : done.reason);
  return finishSamlTest(tenant, done.ticket);
}

async function refusalsOf(tenant: ResolvedTenant) {
  return cp.deps.control.auditEntry.findMany({
    where: { tenantId: tenant.id, action: "tenant.saml.refused" },
    orderBy: { id: "asc" },
    select: { details: true, ip: true, actorLabel: true },
  });
}

describe("saving the SAML form", () => {
  it("saves a valid connection (positive control), off until tested, with the certificate's subject, expiry and fingerprint", async () => {
    expect(await saveSamlSettings(a, formOf(idpA), "owner@a.example")).toEqual({ needsTest: true });
    const saved = await loadSamlConnection(a);
    expect(saved).toMatchObject({
      enabled: false,
      testedAt: null,
      displayName: "Acme Login",
      defaultRole: "member",
      updatedBy: "owner@a.example",
      roleMapping: [
        { group: "events-team", role: "staff" },
        { group: "it-admins", role: "admin" },
      ],
    });
    expect(samlFormProps(saved)).toMatchObject({
      roleMap: "events-team = staff\nit-admins = admin",
      certificate: {
        subject: expect.stringMatching(/CN=/),
        validTo: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
        fingerprint: expect.stringMatching(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/),
        expiresSoon: false,
      },
    });
    expect(await samlSignInOffer(a.id)).toBeNull();
  });

  it("refuses a bad URL, an expired certificate, text that is not one and a mapping to owner beside their fields; nothing stored is lost", async () => {
    const before = await loadSamlConnection(a);
    const expired = samlSigningKey({ notBefore: new Date("2024-01-01Z"), notAfter: new Date("2025-06-30T12:00:00Z") });
    expect(await refusedFields(a, formOf(idpA, { idpSsoUrl: "http://idp.example/sso" }))).toEqual({
      idpSsoUrl: expect.stringMatching(/^Enter the IdP's single sign-on URL, starting with https:\/\//),
    });
    expect(await refusedFields(a, formOf(idpA, { idpSsoUrl: "not a url" }))).toEqual({
      idpSsoUrl: expect.stringMatching(/https:\/\//),
    });
    expect(await refusedFields(a, formOf(idpA, { idpCertificate: expired.certificate }))).toEqual({
      idpCertificate: "The certificate expired on 2025-06-30; upload the IdP's current one.",
    });
    expect(await refusedFields(a, formOf(idpA, { idpCertificate: "hello, I am a certificate" }))).toEqual({
      idpCertificate: expect.stringMatching(/^This is not a certificate/),
    });
    expect(await refusedFields(a, formOf(idpA, { roleMap: "board = owner" }))).toEqual({
      roleMap: expect.stringMatching(/^Line 1 of the role mapping/),
    });
    expect(await refusedFields(a, formOf(idpA, { idpEntityId: " ", defaultRole: "owner" }))).toEqual({
      idpEntityId: expect.stringMatching(/entity id/),
      defaultRole: "Choose member, staff or admin.",
    });
    expect(await loadSamlConnection(a)).toEqual(before);
  });

  it("a change of IdP switches the connection off until an admin's test sign-in succeeds; a name change does not", async () => {
    await expect(setSamlEnabled(a, true, "owner@a.example")).rejects.toThrow(/test sign-in/);
    expect(await testSignIn(idpA, a, ["it-admins"])).toEqual({ ok: true, role: "admin" });
    await setSamlEnabled(a, true, "owner@a.example");
    expect(await samlSignInOffer(a.id)).toEqual({ name: "Acme Login" });

    // Only the button's name and the mapping: still on, still tested.
    expect(
      await saveSamlSettings(a, formOf(idpA, { displayName: "Acme SSO", roleMap: "" }), "owner@a.example"),
    ).toEqual({ needsTest: false });
    expect(await loadSamlConnection(a)).toMatchObject({ enabled: true, testedAt: expect.any(Date) });
    expect(await samlSignInOffer(a.id)).toEqual({ name: "Acme SSO" });

    // Another certificate (here another IdP's): off, and the old test no longer counts.
    expect(
      await saveSamlSettings(a, formOf(idpA, { idpCertificate: idpB.certificate }), "agency: ops@agency.example"),
    ).toEqual({ needsTest: true });
    expect(await loadSamlConnection(a)).toMatchObject({
      enabled: false,
      testedAt: null,
      updatedBy: "agency: ops@agency.example",
    });
    expect(await samlSignInOffer(a.id)).toBeNull();
    await expect(setSamlEnabled(a, true, "owner@a.example")).rejects.toThrow(/test sign-in/);
    // Password sign-in is untouched by any of it: the connection only adds a button.
  });

  it("a test answered for the IdP as it was before a save is not recorded; a test after the save is", async () => {
    await saveSamlSettings(a, formOf(idpA), "owner@a.example");
    const loginUrl = await startSamlSignIn(a, "", { test: true });
    const posted = await idpA.signIn(loginUrl!, { nameId: "it@acme.example" });
    const done = await completeSamlSignIn(a, posted.samlResponse, posted.relayState);
    if (!done.ok || !done.test) throw new Error("the test answer was refused");
    // The IdP changes between the answer and the test's end.
    await saveSamlSettings(a, formOf(idpA, { idpSsoUrl: `${idpA.ssoUrl}?v=2` }), "owner@a.example");
    expect(await finishSamlTest(a, done.ticket)).toEqual({ ok: false });
    expect(await loadSamlConnection(a)).toMatchObject({ testedAt: null });
    await saveSamlSettings(a, formOf(idpA), "owner@a.example");
    expect(await testSignIn(idpA, a)).toEqual({ ok: true, role: "member" });
    await setSamlEnabled(a, true, "owner@a.example");
  });
});

describe("the ACS URL", () => {
  const from = { ip: "203.0.113.7", userAgent: "test-browser" };

  beforeAll(async () => {
    await saveSamlSettings(b, formOf(idpB), "owner@b.example");
    expect(await testSignIn(idpB, b)).toMatchObject({ ok: true });
    await setSamlEnabled(b, true, "owner@b.example");
  });

  async function post(tenant: ResolvedTenant, posted: { samlResponse: string; relayState: string | null }) {
    return samlAcs(tenant, posted, from, deps);
  }

  it("audits each refusal against the tenant with its reason; an accepted answer is not (positive control)", async () => {
    const before = (await refusalsOf(a)).length;
    const pat = { nameId: "pat@acme.example", groups: ["events-team"] };

    // Accepted: a 303 to the ticket page, and nothing audited as refused.
    const good = await idpA.signIn((await startSamlSignIn(a, "/account"))!, pat);
    const accepted = await post(a, good);
    expect(accepted.status).toBe(303);
    expect(accepted.headers.get("location")).toEqual(expect.stringMatching(/^\/sign-in\/saml\?ticket=/));
    expect(await refusalsOf(a)).toHaveLength(before);

    // The same answer again: replay.
    const replayed = await post(a, good);
    expect(replayed.status).toBe(400);
    // Tenant B's genuine answer, from B's IdP to B's request, posted to A.
    const fromB = await idpB.signIn((await startSamlSignIn(b, "/account"))!, { nameId: "lee@globex.example" });
    expect((await post(a, fromB)).status).toBe(400);
    // An IdP nobody configured, answering A's own request.
    const unknown = await stranger.signIn((await startSamlSignIn(a, "/account"))!, pat);
    expect((await post(a, unknown)).status).toBe(400);
    // A's IdP, but the answer is for B's audience and recipient.
    const request = idpA.readAuthnRequest((await startSamlSignIn(a, "/account"))!);
    const spB = tenantSamlServiceProvider(b.primaryHost);
    const wrongAudience = idpA.response({
      user: pat,
      audience: spB.entityId,
      acsUrl: spB.acsUrl,
      inResponseTo: request.id,
    });
    expect((await post(a, { samlResponse: wrongAudience, relayState: null })).status).toBe(400);
    // Expired.
    const request2 = idpA.readAuthnRequest((await startSamlSignIn(a, "/account"))!);
    const spA = tenantSamlServiceProvider(a.primaryHost);
    const expired = idpA.response({
      user: pat,
      audience: spA.entityId,
      acsUrl: spA.acsUrl,
      inResponseTo: request2.id,
      issuedAt: new Date(Date.now() - 60 * 60_000),
      validForMs: 5 * 60_000,
    });
    expect((await post(a, { samlResponse: expired, relayState: null })).status).toBe(400);
    // Not a SAML answer at all.
    const junk = await post(a, { samlResponse: "bm90IHhtbA==", relayState: null });
    expect(junk.status).toBe(400);
    expect(await junk.text()).toBe("The identity provider's answer could not be read. Start the sign-in again.");

    const refusals = (await refusalsOf(a)).slice(before);
    expect(refusals.map((r) => (r.details as { code: string }).code)).toEqual([
      "replayed",
      // B's answer names B's request, which A never sent.
      "unknown-request",
      "bad-signature",
      expect.stringMatching(/^wrong-(audience|recipient)$/),
      "expired",
      "malformed",
    ]);
    for (const refusal of refusals) {
      expect(refusal).toMatchObject({
        ip: "203.0.113.7",
        actorLabel: "saml",
        details: { reason: expect.stringMatching(/\S/) },
      });
    }
    // Tenant B's trail holds none of A's refusals, and B accepts its own answer.
    expect(await refusalsOf(b)).toEqual([]);
    const own = await idpB.signIn((await startSamlSignIn(b, "/account"))!, { nameId: "lee@globex.example" });
    expect((await post(b, own)).status).toBe(303);
  });

  it("refuses and audits an answer while the connection is off; a test answer is still checked (positive control)", async () => {
    const loginUrl = await startSamlSignIn(b, "/account");
    await setSamlEnabled(b, false, "owner@b.example");
    const posted = await idpB.signIn(loginUrl!, { nameId: "lee@globex.example" });
    expect((await post(b, posted)).status).toBe(400);
    expect((await refusalsOf(b)).map((r) => (r.details as { code: string }).code)).toEqual(["not-configured"]);
    const test = await idpB.signIn((await startSamlSignIn(b, "", { test: true }))!, { nameId: "it@globex.example" });
    const tested = await post(b, test);
    expect(tested.status).toBe(303);
    expect(tested.headers.get("location")).toEqual(expect.stringMatching(/^\/api\/auth\/saml\/test\?ticket=/));
    await setSamlEnabled(b, true, "owner@b.example");
  });

  it("is rate-limited per address on each portal: over the limit a 429 with Retry-After; another address or portal is served", async () => {
    const limited = { ip: "198.51.100.44", userAgent: null };
    for (let i = 0; i < LIMITS.samlPerAccount.points; i++) {
      expect(await samlRateLimit(a, limited, deps)).toBeNull();
    }
    const refused = await samlRateLimit(a, limited, deps);
    expect(refused?.status).toBe(429);
    expect(Number(refused?.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await refused?.text()).toEqual(expect.stringMatching(/^Too many attempts\. Try again in/));
    // The ACS itself answers 429 to that address, before reading the answer, and audits nothing.
    const before = (await refusalsOf(a)).length;
    expect((await samlAcs(a, { samlResponse: "x", relayState: null }, limited, deps)).status).toBe(429);
    expect(await refusalsOf(a)).toHaveLength(before);
    // Positive controls: another address on the same portal, the same address on another portal.
    expect(await samlRateLimit(a, { ip: "198.51.100.45", userAgent: null }, deps)).toBeNull();
    expect(await samlRateLimit(b, limited, deps)).toBeNull();
  });
});
