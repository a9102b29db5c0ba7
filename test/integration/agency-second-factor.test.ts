// First: it installs the AsyncLocalStorage Next.js's request stores need.
import { inRequest, navigationDigest, sessionCookie } from "../support/request-scope.ts";
import { generate } from "otplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agencyUser, pendingAgencyUser, requireAgencyUser } from "../../lib/auth/agency-guard.server.ts";
import {
  agencySecondFactorsOf,
  beginAgencyTotp,
  dropAgencyTotp,
  finishAgencyTotp,
  newAgencyRecoveryCodes,
  proveAgencySecondFactor,
} from "../../lib/auth/agency-second-factor.server.ts";
import { hashPassword } from "../../lib/auth/credentials.server.ts";
import type { AgencyRole } from "../../lib/auth/roles.ts";
import { unseal } from "../../lib/db/keyring.server.ts";
import { testControlPlane, type TestControlPlane } from "../support/databases.ts";
import { installTestPlatform } from "../support/platform.ts";

/**
 * The agency's second factor (docs/decisions/046, security cases 89–93) on a real control plane,
 * through the real guard reading real session cookies inside a request as Next.js builds one:
 * owners and operators are half signed in until they prove an app (or set one up), codes count
 * once, recovery codes once, and wrong codes share the agency's sign-in lockout.
 */
let cp: TestControlPlane;
let installed: ReturnType<typeof installTestPlatform>;
let host = "";
let people = 0;

beforeAll(async () => {
  process.env.__NEXT_EXPERIMENTAL_AUTH_INTERRUPTS = "true";
  cp = await testControlPlane();
  installed = installTestPlatform(cp);
  host = installed.platform.hosts.agencyHost;
});
afterAll(async () => {
  await installed?.uninstall();
  await cp?.cleanup();
});

async function agent(role: AgencyRole) {
  return cp.deps.control.agencyUser.create({
    data: {
      email: `agent${++people}-${role}@agency.example`,
      name: `Agent ${people}`,
      role,
      passwordHash: await hashPassword("pw-123456789"),
    },
  });
}

/** The app's code `ahead` 30-second steps after `from` (now). */
const code = (secret: string, ahead = 0, from = Math.floor(Date.now() / 1000)) =>
  generate({ secret, epoch: from + ahead * 30 }) as unknown as Promise<string>;

/** A session as the password step leaves it: the second factor still owed. */
const passwordOnly = (user: { id: string; sessionVersion: number }) =>
  sessionCookie(host, { userId: user.id, sessionVersion: user.sessionVersion, halfSignedIn: true });

const inSession = <T>(cookie: string, fn: () => Promise<T>) => inRequest({ host, cookie }, fn);

/**
 * Sets up the app (at the second step of a first sign-in, or a viewer's account page), confirming it with the code of
 * `step` steps from now (-1: the previous one, leaving now's and the next one's unused).
 */
async function enrolled(user: { id: string; email: string; sessionVersion: number }, step = 0) {
  const cookie = await passwordOnly(user);
  // An owner or operator at the second step; a viewer (not asked) on the account page.
  const pending = (await inSession(cookie, async () => (await pendingAgencyUser()) ?? (await agencyUser())))!;
  const { secret } = await inSession(cookie, () => beginAgencyTotp(pending));
  const at = Math.floor(Date.now() / 1000);
  const done = await inSession(cookie, async () => finishAgencyTotp(pending, await code(secret, step, at)));
  if (!done.ok) throw new Error(done.message);
  return { secret, recoveryCodes: done.recoveryCodes, at, cookie };
}

describe("owners and operators must use a second factor (security cases 89, 92)", () => {
  it("an operator without an app is half signed in and sets one up at the second step, then is let through", async () => {
    const operator = await agent("operator");
    const cookie = await passwordOnly(operator);
    expect(await inSession(cookie, () => agencyUser())).toBeNull();
    const pending = await inSession(cookie, () => pendingAgencyUser());
    expect(pending).toMatchObject({ id: operator.id, role: "operator", enrolled: false });
    // Every private page's guard sends it to the second step, keeping where it was going.
    const thrown = await inSession(cookie, () => requireAgencyUser("/tenants")).catch((e: unknown) => e);
    expect(navigationDigest(thrown)).toContain("/sign-in/second-factor?callbackUrl=%2Ftenants");

    // Forced enrolment: a secret sealed with the keyring, confirmed by its first code, ten codes.
    const { secret } = await inSession(cookie, () => beginAgencyTotp(pending!));
    const row = await cp.deps.control.agencyTotp.findUniqueOrThrow({ where: { agencyUserId: operator.id } });
    expect(row.secretCiphertext).not.toContain(secret);
    expect(unseal({ ciphertext: row.secretCiphertext, keyId: row.keyId }, cp.deps.keyring)).toBe(secret);
    expect(await inSession(cookie, () => agencyUser())).toBeNull(); // not yet: unconfirmed
    const done = await inSession(cookie, async () => finishAgencyTotp(pending!, await code(secret)));
    expect(done).toMatchObject({ ok: true, recoveryCodes: expect.any(Array) });
    expect(done.ok && done.recoveryCodes).toHaveLength(10);
    expect((await inSession(cookie, () => agencyUser()))?.id).toBe(operator.id);
    const audit = await cp.deps.control.auditEntry.findMany({
      where: { actorId: operator.id, action: { startsWith: "agency-user." } },
      select: { action: true },
    });
    expect(audit.map((a) => a.action)).toContain("agency-user.totp-added");
  });

  it("a viewer is not asked; a viewer who set up an app is, and an owner always is", async () => {
    const viewer = await agent("viewer");
    // Positive control: the viewer's password-only session is a full one.
    expect((await inSession(await passwordOnly(viewer), () => agencyUser()))?.id).toBe(viewer.id);
    await enrolled(viewer);
    expect(await inSession(await passwordOnly(viewer), () => agencyUser())).toBeNull();
    const owner = await agent("owner");
    expect(await inSession(await passwordOnly(owner), () => agencyUser())).toBeNull();
  });

  it("a single sign-on session is asked too: the agency takes no provider's word for it", async () => {
    const owner = await agent("owner");
    const { openAgencySession } = await import("../../lib/auth/user-sessions.server.ts");
    const sid = await openAgencySession(owner.id, "sso-oidc", { ip: null, userAgent: null });
    const cookie = await sessionCookie(host, {
      userId: owner.id,
      sessionVersion: owner.sessionVersion,
      sessionId: sid,
    });
    expect(await inSession(cookie, () => agencyUser())).toBeNull();
    expect(await inSession(cookie, () => pendingAgencyUser())).toMatchObject({ id: owner.id });
  });
});

describe("the second step (security cases 89, 90, 91)", () => {
  it("a half-signed-in owner is refused until a fresh code; the same code again is a replay", async () => {
    const owner = await agent("owner");
    const { secret, at } = await enrolled(owner);
    const cookie = await passwordOnly(owner);
    const pending = (await inSession(cookie, () => pendingAgencyUser()))!;
    expect(pending).toMatchObject({ enrolled: true });
    expect(await inSession(cookie, () => agencyUser())).toBeNull();
    // The code the enrolment used counts no more; the next step's does, once.
    const used = await code(secret, 0, at);
    expect(await inSession(cookie, () => proveAgencySecondFactor(pending, "totp", used))).toEqual({
      ok: false,
      message: expect.stringMatching(/not right, or was already used/),
    });
    expect(await inSession(cookie, () => agencyUser())).toBeNull();
    const fresh = await code(secret, 1, at);
    expect(await inSession(cookie, () => proveAgencySecondFactor(pending, "totp", fresh))).toEqual({ ok: true });
    expect((await inSession(cookie, () => agencyUser()))?.id).toBe(owner.id);
    // Another session of the same owner, the same code in the same step: refused as a replay.
    const second = await passwordOnly(owner);
    const again = (await inSession(second, () => pendingAgencyUser()))!;
    expect((await inSession(second, () => proveAgencySecondFactor(again, "totp", fresh))).ok).toBe(false);
    expect(await inSession(second, () => agencyUser())).toBeNull();
  });

  it("a recovery code works once; used again it is refused", async () => {
    const operator = await agent("operator");
    const { recoveryCodes } = await enrolled(operator);
    const first = await passwordOnly(operator);
    const pending = (await inSession(first, () => pendingAgencyUser()))!;
    expect(await inSession(first, () => proveAgencySecondFactor(pending, "recovery-code", recoveryCodes[2]))).toEqual({
      ok: true,
    });
    expect((await inSession(first, () => agencyUser()))?.id).toBe(operator.id);
    const second = await passwordOnly(operator);
    const again = (await inSession(second, () => pendingAgencyUser()))!;
    expect(await inSession(second, () => proveAgencySecondFactor(again, "recovery-code", recoveryCodes[2]))).toEqual({
      ok: false,
      message: expect.stringMatching(/already used/),
    });
    expect(await inSession(second, () => agencyUser())).toBeNull();
    expect((await agencySecondFactorsOf(operator)).recoveryCodesLeft).toBe(9);
  });

  it("wrong codes count against the agency lockout: the fifth locks, and then even the right code is refused", async () => {
    const owner = await agent("owner");
    const { secret, at } = await enrolled(owner);
    const cookie = await passwordOnly(owner);
    const pending = (await inSession(cookie, () => pendingAgencyUser()))!;
    const wrong = () => inSession(cookie, () => proveAgencySecondFactor(pending, "totp", "000000"));
    for (let i = 0; i < 4; i++)
      expect(await wrong()).toEqual({ ok: false, message: expect.stringMatching(/not right/) });
    expect(await wrong()).toEqual({
      ok: false,
      message: expect.stringMatching(/^Too many attempts/),
      refusal: expect.objectContaining({ retryAfterSeconds: expect.any(Number) }),
    });
    const right = await code(secret, 1, at);
    expect(await inSession(cookie, () => proveAgencySecondFactor(pending, "totp", right))).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^Too many attempts/),
    });
    expect(await inSession(cookie, () => agencyUser())).toBeNull();
    const audit = await cp.deps.control.auditEntry.findMany({
      where: { action: { in: ["agency-user.second-factor-refused", "agency-user.locked"] } },
      select: { action: true, actorId: true, details: true },
    });
    expect(audit.filter((a) => a.actorId === owner.id)).toHaveLength(6);
    expect(
      audit.some((a) => a.action === "agency-user.locked" && (a.details as { email?: string }).email === owner.email),
    ).toBe(true);
  });
});

describe("the account page's second factor", () => {
  it("removing the app or making new recovery codes asks for a current code; both are audited", async () => {
    const viewer = await agent("viewer");
    const { secret, recoveryCodes, at } = await enrolled(viewer, -1);
    const cookie = await sessionCookie(host, { userId: viewer.id, sessionVersion: viewer.sessionVersion });
    const me = (await inSession(cookie, () => agencyUser()))!;
    expect(me.id).toBe(viewer.id);
    // A wrong code changes nothing.
    expect((await inSession(cookie, () => newAgencyRecoveryCodes(me, "123456"))).ok).toBe(false);
    const fresh = await inSession(cookie, async () => newAgencyRecoveryCodes(me, await code(secret, 0, at)));
    expect(fresh).toMatchObject({ ok: true });
    // The old codes stop working.
    const half = await passwordOnly(viewer);
    const pending = (await inSession(half, () => pendingAgencyUser()))!;
    expect((await inSession(half, () => proveAgencySecondFactor(pending, "recovery-code", recoveryCodes[0]))).ok).toBe(
      false,
    );
    expect((await inSession(cookie, () => dropAgencyTotp(me, "654321"))).ok).toBe(false);
    expect((await agencySecondFactorsOf(viewer)).totp).toBe(true);
    // The next step's code (now's is spent) removes the app and its recovery codes.
    expect(await inSession(cookie, async () => dropAgencyTotp(me, await code(secret, 1, at)))).toEqual({ ok: true });
    expect(await agencySecondFactorsOf(viewer)).toEqual({ totp: false, recoveryCodesLeft: 0, required: false });
    const actions = (
      await cp.deps.control.auditEntry.findMany({ where: { actorId: viewer.id }, select: { action: true } })
    ).map((a) => a.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        "agency-user.totp-added",
        "agency-user.recovery-codes-replaced",
        "agency-user.totp-removed",
      ]),
    );
  });
});
