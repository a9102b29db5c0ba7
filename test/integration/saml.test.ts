import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  samlConnectionSchema,
  type SamlConnection,
  type SamlConnectionInput,
} from "../../lib/auth/saml-connection.server.ts";
import { samlReplayStoreFor, tenantSamlReplayStore, type SamlReplayStore } from "../../lib/auth/saml-store.server.ts";
import {
  samlLoginUrl,
  samlServiceProviderMetadata,
  tenantSamlServiceProvider,
  verifySamlResponse,
  type SamlServiceProvider,
  type SamlVerification,
} from "../../lib/auth/saml.server.ts";
import type { PooledClient } from "../../lib/db/client-cache.ts";
import type { TenantDb } from "../../lib/db/tenant-db.server.ts";
import type { ResolvedTenant } from "../../lib/tenancy/resolver.ts";
import { openTenantDb, provisionTestTenant, testControlPlane, type TestControlPlane } from "../support/databases.ts";
import { installTestPlatform } from "../support/platform.ts";
import {
  samlSigningKey,
  startSamlIdp,
  type SamlIdp,
  type SamlIdpUser,
  type SamlResponseOptions,
} from "../support/saml-idp.ts";

/**
 * SAML sign-in's service provider against a real IdP (test/support/saml-idp.ts) and two real
 * tenant databases (security cases 76–80, docs/decisions/043). Every refusal is followed by the
 * same request answered properly and accepted, so each refusal is the knob's doing alone.
 */
let cp: TestControlPlane;
let installed: ReturnType<typeof installTestPlatform>;
let idp: SamlIdp;
let connection: SamlConnection;
let a: { tenant: ResolvedTenant; sp: SamlServiceProvider; store: SamlReplayStore };
let b: { tenant: ResolvedTenant; sp: SamlServiceProvider; store: SamlReplayStore };
let secondInstance: PooledClient<TenantDb>;

const SAM: SamlIdpUser = {
  nameId: "sam@acme.example",
  email: "Sam@Acme.example",
  name: "Sam Staff",
  groups: ["staff"],
};

const tenantNamed = (base: string, name: string) => provisionTestTenant(cp, base, name);

beforeAll(async () => {
  cp = await testControlPlane();
  const acme = await tenantNamed("sso-a", "SSO A");
  const globex = await tenantNamed("sso-b", "SSO B");
  installed = installTestPlatform(cp);
  const tenantA = await installed.tenant(acme.slug);
  const tenantB = await installed.tenant(globex.slug);
  a = {
    tenant: tenantA,
    sp: tenantSamlServiceProvider(tenantA.primaryHost),
    store: tenantSamlReplayStore(tenantA.id),
  };
  b = {
    tenant: tenantB,
    sp: tenantSamlServiceProvider(tenantB.primaryHost),
    store: tenantSamlReplayStore(tenantB.id),
  };
  // Another pool on tenant A's database: what a second app instance sees.
  secondInstance = await openTenantDb(cp, acme.tenantId, "saml-second-instance");
  idp = await startSamlIdp();
  idp.registerServiceProvider(a.sp);
  idp.registerServiceProvider(b.sp);
  connection = samlConnectionSchema.parse({
    idpEntityId: idp.entityId,
    idpSsoUrl: idp.ssoUrl,
    idpCertificate: idp.certificate,
    roleMapping: [
      { group: "staff", role: "staff" },
      { group: "it-admins", role: "admin" },
    ],
  } satisfies SamlConnectionInput);
}, 120_000);

afterAll(async () => {
  await idp?.close();
  await secondInstance?.close();
  await installed?.uninstall();
  await cp?.cleanup();
});

/** A fresh AuthnRequest of `side`'s portal, as the IdP reads it from the sign-in URL. */
async function requestOf(side: typeof a): Promise<string> {
  const loginUrl = await samlLoginUrl(connection, side.sp, side.store);
  const request = idp.readAuthnRequest(loginUrl);
  expect(request.issuer).toBe(side.sp.entityId);
  return request.id;
}

/** An answer to `requestId` for `side`, good unless a knob says otherwise. */
function answer(side: typeof a, requestId: string, knobs: Partial<SamlResponseOptions> = {}): string {
  return idp.response({
    user: SAM,
    audience: side.sp.entityId,
    acsUrl: side.sp.acsUrl,
    inResponseTo: requestId,
    ...knobs,
  });
}

function refused(result: SamlVerification): string {
  if (result.ok) throw new Error(`accepted ${result.email}, expected a refusal`);
  expect(result.reason.length).toBeGreaterThan(20);
  return result.code;
}

/** The knob's answer is refused with `code`; then the same request, answered properly, is accepted. */
async function refusedThenAccepted(knobs: Partial<SamlResponseOptions>, code: string): Promise<void> {
  const requestId = await requestOf(a);
  expect(refused(await verifySamlResponse(connection, a.sp, answer(a, requestId, knobs), a.store))).toBe(code);
  const control = await verifySamlResponse(connection, a.sp, answer(a, requestId), a.store);
  expect(control).toMatchObject({ ok: true, email: "sam@acme.example" });
}

describe("a tenant's SAML connection, as its owner saves it", () => {
  const base = () => ({ idpEntityId: idp.entityId, idpSsoUrl: idp.ssoUrl, idpCertificate: idp.certificate });

  it("accepts the IdP's current certificate, as PEM or as the bare base64 of its metadata", () => {
    const parsed = samlConnectionSchema.parse(base());
    expect(parsed.idpCertificate).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
    const bare = idp.certificate.replace(/-----[^-]+-----|\s+/g, "");
    expect(samlConnectionSchema.parse({ ...base(), idpCertificate: bare }).idpCertificate).toBe(parsed.idpCertificate);
    expect(parsed).toMatchObject({ emailAttribute: "email", nameAttribute: "name", groupsAttribute: "groups" });
  });

  it("refuses a certificate that has expired, saying when and what to do (security case 80)", () => {
    const expired = samlSigningKey({
      notBefore: new Date("2024-01-01T00:00:00Z"),
      notAfter: new Date("2025-06-30T12:00:00Z"),
    });
    const result = samlConnectionSchema.safeParse({ ...base(), idpCertificate: expired.certificate });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => [i.path.join("."), i.message])).toEqual([
      ["idpCertificate", "The certificate expired on 2025-06-30; upload the IdP's current one."],
    ]);
  });

  it("refuses what is not a certificate, and an IdP URL without TLS off this machine", () => {
    const messages = (input: Record<string, unknown>) =>
      samlConnectionSchema.safeParse({ ...base(), ...input }).error?.issues.map((i) => i.message) ?? [];
    expect(messages({ idpCertificate: "not a certificate" })[0]).toMatch(/^This is not a certificate/);
    const truncated = idp.certificate.replace(/-----END CERTIFICATE-----/, "").slice(0, 300);
    expect(messages({ idpCertificate: `${truncated}\n-----END CERTIFICATE-----` })[0]).toMatch(/could not be read/);
    expect(messages({ idpSsoUrl: "http://idp.example/sso" })[0]).toMatch(/starting with https:\/\//);
    expect(messages({ idpSsoUrl: "https://idp.example/sso" })).toEqual([]);
    expect(messages({ idpSsoUrl: "http://localhost:8080/sso" })).toEqual([]);
  });

  it("gives the IdP administrator the portal's metadata: its entity id and ACS URL on the tenant's host", () => {
    expect(a.sp).toEqual({
      entityId: `https://${a.tenant.primaryHost}/api/auth/saml/metadata`,
      acsUrl: `https://${a.tenant.primaryHost}/api/auth/saml/acs`,
    });
    const xml = samlServiceProviderMetadata(connection, a.sp);
    expect(xml).toContain(`entityID="${a.sp.entityId}"`);
    expect(xml).toContain(`Location="${a.sp.acsUrl}"`);
    expect(xml).toContain('WantAssertionsSigned="true"');
  });
});

describe("signing in through the IdP", () => {
  it("accepts the IdP's signed answer to our request: who, with the role their group maps to (positive control)", async () => {
    const loginUrl = await samlLoginUrl(connection, a.sp, a.store, "/events/spring-gala");
    expect(loginUrl.startsWith(`${idp.ssoUrl}?SAMLRequest=`)).toBe(true);
    const posted = await idp.signIn(loginUrl, SAM);
    expect(posted.action).toBe(a.sp.acsUrl);
    expect(posted.relayState).toBe("/events/spring-gala");
    const result = await verifySamlResponse(connection, a.sp, posted.samlResponse, a.store, posted.relayState);
    // The NameID as the IdP sent it (this IdP's form uses the address typed); the email checked and lower-cased.
    expect(result).toMatchObject({
      ok: true,
      subject: "Sam@Acme.example",
      email: "sam@acme.example",
      name: "Sam Staff",
      groups: ["staff"],
      role: "staff",
      issuer: idp.entityId,
      relayState: "/events/spring-gala",
    });
    expect(result.ok && result.sessionIndex).toMatch(/^_/);
  });

  it("maps the highest group to the role, and no mapped group to member", async () => {
    for (const [groups, role] of [
      [["staff", "it-admins"], "admin"],
      [["sales"], "member"],
      [[], "member"],
    ] as const) {
      const posted = await idp.signIn(await samlLoginUrl(connection, a.sp, a.store), { ...SAM, groups: [...groups] });
      expect(await verifySamlResponse(connection, a.sp, posted.samlResponse, a.store)).toMatchObject({
        ok: true,
        role,
      });
    }
  });
});

describe("replayed SAML responses (security case 76)", () => {
  it("accepts an answer once; the same answer again is refused, on this instance and another", async () => {
    const posted = await idp.signIn(await samlLoginUrl(connection, a.sp, a.store), SAM);
    expect((await verifySamlResponse(connection, a.sp, posted.samlResponse, a.store)).ok).toBe(true);
    expect(refused(await verifySamlResponse(connection, a.sp, posted.samlResponse, a.store))).toBe("replayed");
    const other = samlReplayStoreFor(secondInstance.client);
    expect(refused(await verifySamlResponse(connection, a.sp, posted.samlResponse, other))).toBe("replayed");
  });

  it("accepts exactly one of the same answer posted twice at once", async () => {
    const posted = await idp.signIn(await samlLoginUrl(connection, a.sp, a.store), SAM);
    const other = samlReplayStoreFor(secondInstance.client);
    const results = await Promise.all([
      verifySamlResponse(connection, a.sp, posted.samlResponse, a.store),
      verifySamlResponse(connection, a.sp, posted.samlResponse, other),
    ]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    // Which single-use mark the loser meets first depends on timing; both are in the database.
    expect(["replayed", "unknown-request"]).toContain(results.filter((r) => !r.ok).map(refused)[0]);
  });

  it("uses a request up: a second, fresh answer to an answered request is refused", async () => {
    const requestId = await requestOf(a);
    expect((await verifySamlResponse(connection, a.sp, answer(a, requestId), a.store)).ok).toBe(true);
    expect(refused(await verifySamlResponse(connection, a.sp, answer(a, requestId), a.store))).toBe("unknown-request");
  });

  it("refuses an answer to a request this portal never sent, and one nobody asked for", async () => {
    await refusedThenAccepted({ inResponseTo: "_never-sent-by-this-portal" }, "unknown-request");
    await refusedThenAccepted({ inResponseTo: undefined }, "unknown-request");
  });
});

describe("an assertion for another tenant (security case 77)", () => {
  it("refuses tenant B's answer presented to tenant A; tenant B accepts it", async () => {
    const forB = answer(b, await requestOf(b));
    expect(refused(await verifySamlResponse(connection, a.sp, forB, a.store))).toBe("unknown-request");
    expect(await verifySamlResponse(connection, b.sp, forB, b.store)).toMatchObject({ ok: true });
  });

  it("refuses an answer to A's own request whose audience is tenant B", async () => {
    await refusedThenAccepted({ audience: b.sp.entityId }, "wrong-audience");
  });

  it("refuses an answer to A's own request addressed to tenant B's ACS URL", async () => {
    await refusedThenAccepted({ recipient: b.sp.acsUrl }, "wrong-recipient");
  });

  it("refuses a genuine answer from tenant B's own IdP to tenant A's request; B's connection accepts B's IdP", async () => {
    // Tenant B trusts its own IdP (another key, another entity id), which answers for A's portal too.
    const idpB = await startSamlIdp();
    try {
      idpB.registerServiceProvider(a.sp);
      idpB.registerServiceProvider(b.sp);
      const connectionB = samlConnectionSchema.parse({
        idpEntityId: idpB.entityId,
        idpSsoUrl: idpB.ssoUrl,
        idpCertificate: idpB.certificate,
      } satisfies SamlConnectionInput);
      expect(idpB.entityId).not.toBe(idp.entityId);

      const fromB = await idpB.signIn(await samlLoginUrl(connection, a.sp, a.store), SAM);
      expect(refused(await verifySamlResponse(connection, a.sp, fromB.samlResponse, a.store))).toBe("bad-signature");
      // The same IdP's answer, for its own tenant and through its own connection, is accepted.
      const forB = await idpB.signIn(await samlLoginUrl(connectionB, b.sp, b.store), SAM);
      expect(await verifySamlResponse(connectionB, b.sp, forB.samlResponse, b.store)).toMatchObject({
        ok: true,
        issuer: idpB.entityId,
      });
      // And tenant A's own IdP still signs A's people in.
      const own = await idp.signIn(await samlLoginUrl(connection, a.sp, a.store), SAM);
      expect(await verifySamlResponse(connection, a.sp, own.samlResponse, a.store)).toMatchObject({ ok: true });
    } finally {
      await idpB.close();
    }
  });

  it("refuses an answer issued in another IdP's name", async () => {
    await refusedThenAccepted({ issuer: "https://other-idp.example/metadata" }, "wrong-issuer");
  });
});

describe("unsigned, forged or tampered assertions (security case 78)", () => {
  it("refuses an assertion without a signature", async () => {
    await refusedThenAccepted({ sign: "none" }, "unsigned");
  });

  it("refuses an assertion signed only through its Response; both signed is accepted", async () => {
    await refusedThenAccepted({ sign: "response" }, "unsigned");
    const requestId = await requestOf(a);
    expect((await verifySamlResponse(connection, a.sp, answer(a, requestId, { sign: "both" }), a.store)).ok).toBe(true);
  });

  it("refuses an assertion signed by another key", async () => {
    await refusedThenAccepted({ signWith: samlSigningKey({ commonName: "Forger" }) }, "bad-signature");
  });

  it("refuses an assertion whose attribute was changed after signing", async () => {
    const tamper = (xml: string) => {
      const changed = xml.replace(">Sam@Acme.example<", ">boss@acme.example<");
      expect(changed).not.toBe(xml);
      return changed;
    };
    await refusedThenAccepted({ tamper }, "bad-signature");
  });

  it("refuses what is not a SAML response, without throwing", async () => {
    for (const junk of [undefined, "", "%%%", Buffer.from("<html/>").toString("base64"), "A".repeat(400_000)]) {
      expect(refused(await verifySamlResponse(connection, a.sp, junk, a.store))).toBe("malformed");
    }
  });
});

describe("an assertion out of its time window (security case 79)", () => {
  const minutes = (n: number) => new Date(Date.now() + n * 60_000);

  it("refuses an assertion whose validity ended", async () => {
    await refusedThenAccepted({ issuedAt: minutes(-10), validForMs: 5 * 60_000 }, "expired");
  });

  it("refuses an assertion not valid yet", async () => {
    await refusedThenAccepted({ notBefore: minutes(10) }, "not-yet-valid");
  });
});

describe("the replay store in the tenant's database", () => {
  it("records an assertion once until it expires, and prunes what expired", async () => {
    const store = samlReplayStoreFor(secondInstance.client);
    const id = `_store-${Date.now()}`;
    expect(await store.recordAssertion(id, minutes(5))).toBe(true);
    expect(await store.recordAssertion(id, minutes(5))).toBe(false);
    expect(await store.hasAssertion(id)).toBe(true);
    const old = `_old-${Date.now()}`;
    expect(await store.recordAssertion(old, minutes(-1))).toBe(true);
    expect(await store.hasAssertion(old)).toBe(false);
    // An expired row is taken over (its assertion is refused as expired by the time check anyway).
    expect(await store.recordAssertion(old, minutes(5))).toBe(true);

    await store.rememberRequest("_expired-request", minutes(-1));
    expect(await store.useRequest("_expired-request")).toBe(false);
    await store.rememberRequest("_live-request", minutes(5));
    const left = await secondInstance.client.samlMessageId.findMany({ where: { kind: "request" } });
    expect(left.map((r) => r.messageId)).toContain("_live-request");
    expect(left.map((r) => r.messageId)).not.toContain("_expired-request");
    expect(await store.useRequest("_live-request")).toBe(true);
    expect(await store.useRequest("_live-request")).toBe(false);
  });

  function minutes(n: number): Date {
    return new Date(Date.now() + n * 60_000);
  }
});
