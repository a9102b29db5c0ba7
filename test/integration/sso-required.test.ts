// First: it installs the AsyncLocalStorage Next.js's request stores need.
import { inRequest, sessionCookie } from "../support/request-scope.ts";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { generateToken, hashPassword, hashToken } from "../../lib/auth/credentials.server.ts";
import { ssoRequiredMessage, setSsoRequired, tenantSsoPolicy } from "../../lib/auth/sso-required.server.ts";
import {
  confirmEmailChange,
  requestEmailChange,
  requestPasswordReset,
  resetPassword,
} from "../../lib/auth/tenant-account.server.ts";
import { tenantUser, type TenantUser } from "../../lib/auth/tenant-guard.server.ts";
import { acceptInvitation } from "../../lib/auth/tenant-invitations.server.ts";
import { authenticateTenantPassword } from "../../lib/auth/tenant-password.server.ts";
import { consumeTenantSignInLink, sendTenantSignInLink } from "../../lib/auth/tenant-sign-in-link.server.ts";
import type { PooledClient } from "../../lib/db/client-cache.ts";
import type { TenantDb } from "../../lib/db/tenant-db.server.ts";
import { signUpMember } from "../../lib/portal/sign-up.server.ts";
import { provisionTenant } from "../../lib/provisioning/provision.server.ts";
import { parseTenantSpec } from "../../lib/provisioning/spec.ts";
import type { ResolvedTenant } from "../../lib/tenancy/resolver.ts";
import { FALLBACK_THEME } from "../../lib/tenancy/theme.ts";
import { openTenantDb, testControlPlane, type TestControlPlane } from "../support/databases.ts";
import { installTestPlatform } from "../support/platform.ts";
import { tenantViewer } from "../support/viewers.ts";

/**
 * "SSO required for verified domains" (docs/decisions/047, security cases 99–103) on a real
 * control plane and a real tenant database: every sign-in path that could hand an address at a
 * verified domain a session without single sign-on is refused on the server, each refusal beside
 * its positive control; the break-glass owner keeps password sign-in; unverified domains are
 * never affected; and the policy rests instead of locking anyone out when its SSO connection or
 * its break-glass owner goes away.
 */
let cp: TestControlPlane;
let installed: ReturnType<typeof installTestPlatform>;
let tenant: ResolvedTenant;
let pooled: PooledClient<TenantDb>;
let db: TenantDb;
let run = 0;
const PASSWORD = "correct-horse-battery";
const VERIFIED = "acme-sso.example.com";
const CLAIMED = "claimed-sso.example.com";
const OTHER = "elsewhere.example.org";
const PROVIDER = "Acme Login";
const MESSAGE = ssoRequiredMessage(PROVIDER);
const from = { ip: "198.51.100.9", userAgent: "vitest" };

let owner: TenantUser;
let otherOwner: TenantUser;

const req = <T>(fn: () => Promise<T>) => inRequest({ host: tenant.primaryHost }, fn);

/** A new active user with PASSWORD, at `domain`. */
async function person(domain: string, role: "member" | "admin" | "owner" = "member", withPassword = true) {
  const u = await db.user.create({
    data: {
      email: `p${++run}@${domain}`,
      name: `Person ${run}`,
      role,
      ...(withPassword ? { passwordHash: await hashPassword(PASSWORD) } : {}),
    },
  });
  return tenantViewer(tenant.id, { id: u.id, email: u.email, name: u.name, role: u.role });
}

const signIn = (email: string, password = PASSWORD) =>
  req(() => authenticateTenantPassword(tenant, email, password)).then(
    (user) => ({ user }),
    (error: Error) => ({ refused: error.message }),
  );

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error("expected a refusal");
    },
    (error: Error) => error.message,
  );

async function connection(state: { enabled: boolean; tested: boolean } | null) {
  await db.ssoConnection.deleteMany({ where: { kind: "oidc" } });
  if (state)
    await db.ssoConnection.create({
      data: {
        kind: "oidc",
        displayName: PROVIDER,
        issuer: "https://idp.acme-sso.example.com",
        clientId: "portico",
        enabled: state.enabled,
        testedAt: state.tested ? new Date() : null,
        updatedBy: "test",
      },
    });
}

/** The policy as stored, written directly (its switch through setSsoRequired is tested below). */
async function policy(on: boolean, breakGlass: TenantUser | null = owner) {
  const data = { ssoRequired: on, ssoBreakGlassUserId: breakGlass?.id ?? null };
  await db.portalSettings.upsert({ where: { id: 1 }, create: { id: 1, ...data }, update: data });
}

/** A single-use sign-in token of `purpose` for `email`, as the app stores one. */
async function storedToken(email: string, purpose: string, userId?: string) {
  const token = generateToken();
  await db.loginToken.create({
    data: {
      tokenHash: hashToken(token),
      email,
      purpose,
      ...(userId ? { userId } : {}),
      expiresAt: new Date(Date.now() + 10 * 60_000),
    },
  });
  return token;
}

const mailsTo = (to: string) => cp.deps.control.outboxMessage.count({ where: { tenantId: tenant.id, toAddress: to } });

beforeAll(async () => {
  process.env.__NEXT_EXPERIMENTAL_AUTH_INTERRUPTS = "true";
  cp = await testControlPlane();
  const slug = cp.slug("ssoreq");
  const { tenantId } = await provisionTenant(
    cp.deps,
    parseTenantSpec({ slug, name: "SSO Required Co", theme: FALLBACK_THEME }),
    { mode: "create", seed: false },
  );
  installed = installTestPlatform(cp);
  tenant = await installed.tenant(slug);
  pooled = await openTenantDb(cp, tenantId, "sso-required-test");
  db = pooled.client;
  await db.emailDomain.create({
    data: {
      domain: VERIFIED,
      token: generateToken(),
      createdBy: "test",
      verifiedAt: new Date(),
      method: "agency",
      verifiedBy: "test",
    },
  });
  // Only claimed: added to the list, never proven.
  await db.emailDomain.create({ data: { domain: CLAIMED, token: generateToken(), createdBy: "test" } });
  owner = await person(VERIFIED, "owner");
  otherOwner = await person(OTHER, "owner");
});
afterAll(async () => {
  await installed?.uninstall();
  await pooled?.close();
  await cp?.cleanup();
});

describe("switching the policy on (owners only, audited)", () => {
  beforeEach(async () => {
    await policy(false, null);
    await connection({ enabled: true, tested: true });
  });

  it("refuses without an SSO connection that is enabled and has passed a test sign-in", async () => {
    const on = { on: true, breakGlassUserId: owner.id };
    await connection(null);
    expect(await refusal(setSsoRequired(tenant, owner, on, from))).toMatch(/Set up single sign-on in Settings/);
    await connection({ enabled: false, tested: true });
    expect(await refusal(setSsoRequired(tenant, owner, on, from))).toMatch(/run a successful test sign-in/);
    await connection({ enabled: true, tested: false });
    expect(await refusal(setSsoRequired(tenant, owner, on, from))).toMatch(/run a successful test sign-in/);
    // A SAML connection switched on but never tested does not count either.
    await db.samlConfig.create({
      data: {
        id: 1,
        enabled: true,
        idpEntityId: "https://idp.example",
        idpSsoUrl: "https://idp.example/sso",
        idpCertificate: "-",
      },
    });
    expect(await refusal(setSsoRequired(tenant, owner, on, from))).toMatch(/run a successful test sign-in/);
    await db.samlConfig.deleteMany();
    expect((await tenantSsoPolicy(tenant, owner)).on).toBe(false);
    // Positive control: the same request once the connection is enabled and tested.
    await connection({ enabled: true, tested: true });
    const state = await setSsoRequired(tenant, owner, on, from);
    expect(state).toMatchObject({ on: true, inForce: true, connection: { kind: "oidc", name: PROVIDER } });
  });

  it("refuses without a break-glass owner who has a password", async () => {
    expect(await refusal(setSsoRequired(tenant, owner, { on: true, breakGlassUserId: null }, from))).toMatch(
      /Choose a break-glass owner/,
    );
    const admin = await person(VERIFIED, "admin");
    expect(await refusal(setSsoRequired(tenant, owner, { on: true, breakGlassUserId: admin.id }, from))).toMatch(
      /must be an active owner/,
    );
    const noPassword = await person(OTHER, "owner", false);
    expect(await refusal(setSsoRequired(tenant, owner, { on: true, breakGlassUserId: noPassword.id }, from))).toMatch(
      /has no password yet/,
    );
    expect((await tenantSsoPolicy(tenant, owner)).on).toBe(false);
    // Positive control: another owner with a password.
    const state = await setSsoRequired(tenant, owner, { on: true, breakGlassUserId: otherOwner.id }, from);
    expect(state).toMatchObject({ on: true, inForce: true, breakGlass: { id: otherOwner.id } });
  });

  it("refuses admins and below, and audits every change an owner makes", async () => {
    const admin = await person(OTHER, "admin");
    await expect(setSsoRequired(tenant, admin, { on: false, breakGlassUserId: null }, from)).rejects.toThrow();
    await expect(tenantSsoPolicy(tenant, admin)).rejects.toThrow();
    await setSsoRequired(tenant, owner, { on: true, breakGlassUserId: owner.id }, from);
    await setSsoRequired(tenant, owner, { on: false, breakGlassUserId: null }, from);
    const entries = await cp.deps.control.auditEntry.findMany({
      where: { tenantId: tenant.id, action: { in: ["sso-required.on", "sso-required.off"] } },
      orderBy: { id: "desc" },
      take: 2,
    });
    expect(entries.map((e) => [e.action, e.actorLabel])).toEqual([
      ["sso-required.off", owner.email],
      ["sso-required.on", owner.email],
    ]);
    expect(entries[1]!.details).toMatchObject({ breakGlass: owner.email, connection: "oidc" });
  });
});

describe("password sign-in under the policy", () => {
  beforeEach(async () => {
    await connection({ enabled: true, tested: true });
    await policy(true);
  });

  it("refuses a member at a verified domain with the SSO message, and lets the same member in while it is off", async () => {
    const member = await person(VERIFIED);
    expect(await signIn(member.email)).toEqual({ refused: MESSAGE });
    await policy(false);
    expect(await signIn(member.email)).toMatchObject({ user: { id: member.id } });
  });

  it("answers an unknown address and a wrong password at the domain exactly as a right one", async () => {
    const member = await person(VERIFIED);
    expect(await signIn(`nobody-${run}@${VERIFIED}`)).toEqual({ refused: MESSAGE });
    expect(await signIn(member.email, "wrong-password-1")).toEqual({ refused: MESSAGE });
    // The break-glass owner's wrong password too: its address stands out from none of the others.
    expect(await signIn(owner.email, "wrong-password-1")).toEqual({ refused: MESSAGE });
  });

  it("lets the break-glass owner in with the right password", async () => {
    expect(await signIn(owner.email)).toMatchObject({ user: { id: owner.id, role: "owner" } });
  });

  it("never touches an address at another or a merely claimed domain", async () => {
    const elsewhere = await person(OTHER);
    const claimed = await person(CLAIMED);
    expect(await signIn(elsewhere.email)).toMatchObject({ user: { id: elsewhere.id } });
    expect(await signIn(claimed.email)).toMatchObject({ user: { id: claimed.id } });
    expect(await signIn(claimed.email, "wrong-password-1")).toEqual({ user: null });
  });
});

describe("email links, resets, invitations, sign-up and email changes under the policy", () => {
  beforeEach(async () => {
    await connection({ enabled: true, tested: true });
    await policy(true);
  });

  it("sends no sign-in link to the domain (the break-glass owner's address included), and sends one elsewhere", async () => {
    const member = await person(VERIFIED);
    for (const email of [member.email, owner.email, `nobody-${run}@${VERIFIED}`])
      expect(await req(() => sendTenantSignInLink(tenant, email))).toEqual({ ssoRequired: PROVIDER, message: MESSAGE });
    expect(await mailsTo(member.email)).toBe(0);
    const claimed = await person(CLAIMED);
    expect(await req(() => sendTenantSignInLink(tenant, claimed.email))).toBe("sent");
    expect(await mailsTo(claimed.email)).toBe(1);
  });

  it("refuses a link, invitation or reset hand-off issued before the policy; the same token works while it is off", async () => {
    const member = await person(VERIFIED);
    for (const purpose of ["sign-in", "reset-sign-in"]) {
      const refused = await storedToken(member.email, purpose, member.id);
      expect(await refusal(consumeTenantSignInLink(tenant, refused))).toBe(MESSAGE);
    }
    await policy(false);
    const allowed = await storedToken(member.email, "sign-in", member.id);
    expect(await consumeTenantSignInLink(tenant, allowed)).toMatchObject({ id: member.id });
  });

  it("lets only the break-glass owner's reset hand-off through", async () => {
    const handOff = await storedToken(owner.email, "reset-sign-in", owner.id);
    expect(await consumeTenantSignInLink(tenant, handOff)).toMatchObject({ id: owner.id, method: "reset" });
    const link = await storedToken(owner.email, "sign-in", owner.id);
    expect(await refusal(consumeTenantSignInLink(tenant, link))).toBe(MESSAGE);
  });

  it("answers “Forgot password?” alike for every address at the domain, mailing the break-glass owner alone", async () => {
    const member = await person(VERIFIED);
    const before = { member: await mailsTo(member.email), owner: await mailsTo(owner.email) };
    const answers = [
      await req(() => requestPasswordReset(tenant, member.email)),
      await req(() => requestPasswordReset(tenant, owner.email)),
      await req(() => requestPasswordReset(tenant, `nobody-${run}@${VERIFIED}`)),
    ];
    for (const answer of answers)
      expect(answer).toEqual({ ssoRequired: PROVIDER, message: expect.stringMatching(/^Your organisation requires/) });
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    expect(await mailsTo(member.email)).toBe(before.member);
    expect(await mailsTo(owner.email)).toBe(before.owner + 1);
    // Positive control: an address elsewhere gets its link as before.
    const elsewhere = await person(OTHER);
    expect(await req(() => requestPasswordReset(tenant, elsewhere.email))).toBe("sent");
    expect(await mailsTo(elsewhere.email)).toBe(1);
  });

  it("refuses a reset link mailed before the policy came into force, leaving the password as it was", async () => {
    const member = await person(VERIFIED);
    const token = await storedToken(member.email, "password-reset", member.id);
    const hashBefore = (await db.user.findUniqueOrThrow({ where: { id: member.id } })).passwordHash;
    expect(await refusal(req(() => resetPassword(tenant, token, "a-new-password-1")))).toBe(MESSAGE);
    expect((await db.user.findUniqueOrThrow({ where: { id: member.id } })).passwordHash).toBe(hashBefore);
    // The break-glass owner's reset sets the password and hands back a sign-in.
    const own = await storedToken(owner.email, "password-reset", owner.id);
    const outcome = await req(() => resetPassword(tenant, own, PASSWORD));
    expect(outcome).toMatchObject({ email: owner.email, signInToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    // Positive control: the member's link works once the policy is off.
    await policy(false);
    expect(await req(() => resetPassword(tenant, token, "a-new-password-1"))).toMatchObject({ email: member.email });
  });

  it("accepts no invitation at the domain (it stays unused), and accepts one elsewhere", async () => {
    const invited = await db.user.create({ data: { email: `inv${++run}@${VERIFIED}`, name: "Ivy", role: "member" } });
    const token = await storedToken(invited.email, "invite");
    expect(await refusal(acceptInvitation(tenant, token, await hashPassword(PASSWORD)))).toBe(MESSAGE);
    expect((await db.user.findUniqueOrThrow({ where: { id: invited.id } })).passwordHash).toBeNull();
    expect((await db.loginToken.findUniqueOrThrow({ where: { tokenHash: hashToken(token) } })).usedAt).toBeNull();
    const other = await db.user.create({ data: { email: `inv${++run}@${OTHER}`, name: "Ola", role: "member" } });
    const ok = await storedToken(other.email, "invite");
    expect(await acceptInvitation(tenant, ok, await hashPassword(PASSWORD))).toMatchObject({ email: other.email });
  });

  it("refuses a password sign-up at the domain, and takes one elsewhere", async () => {
    await db.portalSettings.update({ where: { id: 1 }, data: { allowMemberSignup: true } });
    expect(
      await req(() => signUpMember(tenant, { name: "Sam", email: `sam${++run}@${VERIFIED}`, password: PASSWORD })),
    ).toEqual({ ok: false, message: MESSAGE, field: "email" });
    expect(
      await req(() => signUpMember(tenant, { name: "Sam", email: `sam${++run}@${OTHER}`, password: PASSWORD })),
    ).toEqual({ ok: true });
  });

  it("keeps an address at the domain from moving away to get its password back", async () => {
    const member = await person(VERIFIED);
    expect(await refusal(req(() => requestEmailChange(tenant, member, `away${run}@${OTHER}`)))).toMatch(
      /managed by your organisation/,
    );
    // A change asked for before the policy is refused when confirmed.
    const pending = await storedToken(`away${run}@${OTHER}`, "email-change", member.id);
    expect(await refusal(req(() => confirmEmailChange(tenant, pending)))).toMatch(/managed by your organisation/);
    expect((await db.user.findUniqueOrThrow({ where: { id: member.id } })).email).toBe(member.email);
    // Positive control: an address elsewhere may change.
    const elsewhere = await person(OTHER);
    expect(await req(() => requestEmailChange(tenant, elsewhere, `moved${run}@${OTHER}`))).toEqual({
      to: `moved${run}@${OTHER}`,
    });
  });

  it("ends the sessions of an account that moves to an address at the domain", async () => {
    const moving = await person(OTHER);
    const stayer = await person(OTHER);
    const cookie = async (u: TenantUser) =>
      sessionCookie(tenant.primaryHost, { tenant, userId: u.id, sessionVersion: 1 });
    const [movingCookie, stayerCookie] = [await cookie(moving), await cookie(stayer)];
    const guard = (c: string) => inRequest({ host: tenant.primaryHost, cookie: c }, () => tenantUser(tenant));
    expect((await guard(movingCookie))?.id).toBe(moving.id);
    const to = `joined${run}@${VERIFIED}`;
    const toMove = await storedToken(to, "email-change", moving.id);
    expect(await req(() => confirmEmailChange(tenant, toMove))).toEqual({ email: to });
    expect(await guard(movingCookie)).toBeNull();
    expect(await signIn(to)).toEqual({ refused: MESSAGE });
    // Positive control: a move to another address elsewhere keeps the session.
    const elsewhere = `moved${run}@${OTHER}`;
    const toStay = await storedToken(elsewhere, "email-change", stayer.id);
    expect(await req(() => confirmEmailChange(tenant, toStay))).toEqual({ email: elsewhere });
    expect((await guard(stayerCookie))?.id).toBe(stayer.id);
  });
});

describe("the policy never locks anyone out (it rests)", () => {
  beforeEach(async () => {
    await connection({ enabled: true, tested: true });
    await policy(true);
  });

  it("rests while the SSO connection is switched off, deleted or untested, and is in force again once it is back", async () => {
    const member = await person(VERIFIED);
    expect(await signIn(member.email)).toEqual({ refused: MESSAGE });
    await db.ssoConnection.update({ where: { kind: "oidc" }, data: { enabled: false } });
    expect(await signIn(member.email)).toMatchObject({ user: { id: member.id } });
    expect(await tenantSsoPolicy(tenant, owner)).toMatchObject({ on: true, inForce: false, connection: null });
    // A save that changes the provider clears the test: resting too.
    await db.ssoConnection.update({ where: { kind: "oidc" }, data: { enabled: true, testedAt: null } });
    expect(await signIn(member.email)).toMatchObject({ user: { id: member.id } });
    await connection(null);
    expect(await req(() => sendTenantSignInLink(tenant, member.email))).toBe("sent");
    await connection({ enabled: true, tested: true });
    expect(await signIn(member.email)).toEqual({ refused: MESSAGE });
  });

  it("rests on a SAML connection only once it is enabled and tested", async () => {
    const member = await person(VERIFIED);
    await connection(null);
    const saml = {
      id: 1,
      idpEntityId: "https://saml.acme-sso.example.com",
      idpSsoUrl: "https://saml.acme-sso.example.com/sso",
      idpCertificate: "not checked here",
      displayName: "Acme SAML",
    };
    await db.samlConfig.create({ data: { ...saml, enabled: true, testedAt: null } });
    try {
      // Enabled but never tested: the policy rests and the password works.
      expect(await signIn(member.email)).toMatchObject({ user: { id: member.id } });
      await db.samlConfig.update({ where: { id: 1 }, data: { testedAt: new Date() } });
      expect(await signIn(member.email)).toEqual({ refused: ssoRequiredMessage("Acme SAML") });
    } finally {
      await db.samlConfig.deleteMany({});
    }
  });

  it("rests while the break-glass account is no longer an active owner", async () => {
    const member = await person(VERIFIED);
    const spare = await person(OTHER, "owner");
    await policy(true, spare);
    expect(await signIn(member.email)).toEqual({ refused: MESSAGE });
    await db.user.update({ where: { id: spare.id }, data: { role: "admin" } });
    expect(await signIn(member.email)).toMatchObject({ user: { id: member.id } });
    await db.user.update({ where: { id: spare.id }, data: { role: "owner", active: false } });
    expect(await signIn(member.email)).toMatchObject({ user: { id: member.id } });
    await db.user.update({ where: { id: spare.id }, data: { active: true } });
    expect(await signIn(member.email)).toEqual({ refused: MESSAGE });
  });
});
