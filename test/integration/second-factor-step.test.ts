// First: it installs the AsyncLocalStorage Next.js's request stores need.
import { inRequest, navigationDigest, sessionCookie } from "../support/request-scope.ts";
import { generate } from "otplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashPassword } from "../../lib/auth/credentials.server.ts";
import { replaceRecoveryCodes } from "../../lib/auth/recovery-codes.server.ts";
import { proveSecondFactor } from "../../lib/auth/second-factor.server.ts";
import { pendingTenantUser, requireTenantUser, tenantUser } from "../../lib/auth/tenant-guard.server.ts";
import { confirmTotp, startTotpEnrolment } from "../../lib/auth/totp.server.ts";
import type { PooledClient } from "../../lib/db/client-cache.ts";
import type { TenantDb } from "../../lib/db/tenant-db.server.ts";
import { provisionTenant } from "../../lib/provisioning/provision.server.ts";
import { parseTenantSpec } from "../../lib/provisioning/spec.ts";
import type { ResolvedTenant } from "../../lib/tenancy/resolver.ts";
import { FALLBACK_THEME } from "../../lib/tenancy/theme.ts";
import { openTenantDb, testControlPlane, type TestControlPlane } from "../support/databases.ts";
import { installTestPlatform } from "../support/platform.ts";

/**
 * The second step of a sign-in (docs/decisions/045, security cases 87–88) on a real control plane
 * and a real tenant database, through the real guard reading real session cookies inside a
 * request as Next.js builds one: who is "half signed in", what proving a factor changes, and the
 * lockout that wrong codes share with wrong passwords.
 */
let cp: TestControlPlane;
let installed: ReturnType<typeof installTestPlatform>;
let tenant: ResolvedTenant;
let db: PooledClient<TenantDb>;
let people = 0;

beforeAll(async () => {
  process.env.__NEXT_EXPERIMENTAL_AUTH_INTERRUPTS = "true";
  cp = await testControlPlane();
  const { tenantId } = await provisionTenant(
    cp.deps,
    parseTenantSpec({ slug: cp.slug("twostep"), name: "Two Step Org", theme: FALLBACK_THEME }),
    { mode: "create", seed: false },
  );
  installed = installTestPlatform(cp);
  tenant = await installed.tenant(cp.slug("twostep"));
  db = await openTenantDb(cp, tenantId, "second-factor-step");
});
afterAll(async () => {
  await installed?.uninstall();
  await db?.close();
  await cp?.cleanup();
});

type Role = "member" | "staff" | "admin" | "owner";

async function person(role: Role = "member") {
  return db.client.user.create({
    data: {
      email: `p${++people}@twostep.example`,
      name: `Person ${people}`,
      role,
      passwordHash: await hashPassword("pw-123456789"),
    },
  });
}

/** Turns on an authenticator app for `user`; returns its secret and recovery codes. */
async function withApp(user: { id: string; email: string }) {
  const { secret } = await startTotpEnrolment(db.client, cp.deps.keyring, user, "Two Step Org");
  const at = Math.floor(Date.now() / 1000);
  const confirmed = await confirmTotp(db.client, cp.deps.keyring, user.id, await code(secret, 0, at));
  if (!confirmed.ok) throw new Error(confirmed.reason);
  return { secret, recoveryCodes: confirmed.recoveryCodes, at };
}

/** The app's code `ahead` 30-second steps after `from` (now): the enrolment's own is used up. */
const code = (secret: string, ahead = 0, from = Math.floor(Date.now() / 1000)) =>
  generate({ secret, epoch: from + ahead * 30 }) as unknown as Promise<string>;

const cookieOf = (user: { id: string; sessionVersion: number }) =>
  sessionCookie(tenant.primaryHost, { tenant, userId: user.id, sessionVersion: user.sessionVersion });

const inSession = <T>(cookie: string, fn: () => Promise<T>) => inRequest({ host: tenant.primaryHost, cookie }, fn);

const setPolicy = (policy: string) =>
  db.client.portalSettings.upsert({
    where: { id: 1 },
    create: { id: 1, secondFactorPolicy: policy },
    update: { secondFactorPolicy: policy },
  });

describe("half signed in (security case 87)", () => {
  it("a user with an app is held at the second step until they prove it, then let through", async () => {
    await setPolicy("none");
    const user = await person();
    const { secret, at } = await withApp(user);
    const cookie = await cookieOf(user);
    expect(await inSession(cookie, () => tenantUser(tenant))).toBeNull();
    const pending = await inSession(cookie, () => pendingTenantUser(tenant));
    expect(pending).toMatchObject({ id: user.id, email: user.email, enrolled: true });
    // Every private page's guard sends it to the second step, keeping where it was going.
    const thrown = await inSession(cookie, () => requireTenantUser(tenant, "/manage/events")).catch((e: unknown) => e);
    expect(navigationDigest(thrown)).toContain("/sign-in/second-factor?callbackUrl=%2Fmanage%2Fevents");

    // The code the enrolment used counts no more (a replay); the next step's does.
    const used = await code(secret, 0, at);
    const replayed = await inSession(cookie, () => proveSecondFactor(tenant, pending!, "totp", used));
    expect(replayed).toEqual({ ok: false, message: expect.stringMatching(/not right, or was already used/) });
    expect(await inSession(cookie, () => tenantUser(tenant))).toBeNull();
    const right = await code(secret, 1, at);
    expect(await inSession(cookie, () => proveSecondFactor(tenant, pending!, "totp", right))).toEqual({ ok: true });
    expect((await inSession(cookie, () => tenantUser(tenant)))?.id).toBe(user.id);
    expect(await inSession(cookie, () => pendingTenantUser(tenant))).toBeNull();
  });

  it("a second session of the same user is asked again: the proof belongs to the session, not the user", async () => {
    const user = await person();
    const { secret, at } = await withApp(user);
    const first = await cookieOf(user);
    const pending = (await inSession(first, () => pendingTenantUser(tenant)))!;
    const fresh = await code(secret, 1, at);
    expect(await inSession(first, () => proveSecondFactor(tenant, pending, "totp", fresh))).toEqual({ ok: true });
    const second = await cookieOf(user);
    expect(await inSession(second, () => tenantUser(tenant))).toBeNull();
    expect((await inSession(first, () => tenantUser(tenant)))?.id).toBe(user.id); // positive control
  });

  it("follows the portal's policy: staff without a factor must set one up, members need not", async () => {
    await setPolicy("staff");
    try {
      const staff = await person("staff");
      const member = await person("member");
      const staffCookie = await cookieOf(staff);
      expect(await inSession(staffCookie, () => tenantUser(tenant))).toBeNull();
      expect(await inSession(staffCookie, () => pendingTenantUser(tenant))).toMatchObject({ enrolled: false });
      // Positive control: the member's session is a full one under the same policy.
      expect((await inSession(await cookieOf(member), () => tenantUser(tenant)))?.id).toBe(member.id);
      // "everyone" covers the member too; a value written by hand that is no policy asks everyone.
      await setPolicy("everyone");
      expect(await inSession(await cookieOf(member), () => tenantUser(tenant))).toBeNull();
      await setPolicy("admins");
      expect(await inSession(await cookieOf(member), () => tenantUser(tenant))).toBeNull();
    } finally {
      await setPolicy("none");
    }
  });
});

describe("guessing codes (security case 88)", () => {
  it("counts wrong codes against the sign-in lockout; a right code before the lock clears the count", async () => {
    const user = await person();
    const { secret, recoveryCodes, at } = await withApp(user);
    const cookie = await cookieOf(user);
    const pending = (await inSession(cookie, () => pendingTenantUser(tenant)))!;
    const wrong = () =>
      inSession(cookie, () => proveSecondFactor(tenant, pending, "recovery-code", "AAAA-AAAA-AAAA-AAAA"));
    // Positive control first: four wrong, then the right one clears the count...
    for (let i = 0; i < 4; i++) expect((await wrong()).ok).toBe(false);
    expect(
      await inSession(cookie, () => proveSecondFactor(tenant, pending, "recovery-code", recoveryCodes[0])),
    ).toEqual({
      ok: true,
    });
    // ...so a new session of the same account starts at zero, and its fifth wrong code locks it.
    const next = await cookieOf(user);
    const again = (await inSession(next, () => pendingTenantUser(tenant)))!;
    const wrongAgain = () => inSession(next, () => proveSecondFactor(tenant, again, "totp", "000000"));
    for (let i = 0; i < 4; i++)
      expect(await wrongAgain()).toEqual({ ok: false, message: expect.stringMatching(/not right/) });
    const locked = await wrongAgain();
    expect(locked).toEqual({
      ok: false,
      message: expect.stringMatching(/^Too many attempts/),
      refusal: expect.objectContaining({ retryAfterSeconds: expect.any(Number) }),
    });
    // Locked: even the right code is refused now, and the session stays half signed in.
    const rightCode = await code(secret, 1, at);
    const right = await inSession(next, () => proveSecondFactor(tenant, again, "totp", rightCode));
    expect(right).toEqual(expect.objectContaining({ ok: false, message: expect.stringMatching(/^Too many attempts/) }));
    expect(await inSession(next, () => tenantUser(tenant))).toBeNull();
    const refused = await cp.deps.control.auditEntry.count({
      where: { tenantId: tenant.id, action: "tenant-user.second-factor-refused", actorId: user.id },
    });
    expect(refused).toBe(10);
  });

  it("proves only for the session's own user: another user's recovery code does nothing here", async () => {
    const mine = await person();
    const theirs = await person();
    const { recoveryCodes: myCodes } = await withApp(mine);
    await withApp(theirs);
    const their = await replaceRecoveryCodes(db.client, theirs.id);
    const cookie = await cookieOf(mine);
    const pending = (await inSession(cookie, () => pendingTenantUser(tenant)))!;
    expect((await inSession(cookie, () => proveSecondFactor(tenant, pending, "recovery-code", their[0]))).ok).toBe(
      false,
    );
    expect(await inSession(cookie, () => tenantUser(tenant))).toBeNull();
    // Their code is still theirs, unused; mine works for me (positive control).
    expect(await db.client.recoveryCode.count({ where: { userId: theirs.id, usedAt: null } })).toBe(10);
    expect(await inSession(cookie, () => proveSecondFactor(tenant, pending, "recovery-code", myCodes[3]))).toEqual({
      ok: true,
    });
  });
});
