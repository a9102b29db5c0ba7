// First: it installs the AsyncLocalStorage Next.js's request stores need.
import { inRequest, sessionCookie } from "../support/request-scope.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agencyUser } from "../../lib/auth/agency-guard.server.ts";
import { hashPassword, hashToken, verifyPassword } from "../../lib/auth/credentials.server.ts";
import {
  changePassword,
  confirmEmailChange,
  endMySessions,
  mySessions,
  peekPasswordReset,
  requestEmailChange,
  requestPasswordReset,
  resetPassword,
} from "../../lib/auth/tenant-account.server.ts";
import { tenantAuthOptions } from "../../lib/auth/tenant-options.server.ts";
import { tenantUser } from "../../lib/auth/tenant-guard.server.ts";
import { consumeTenantSignInLink } from "../../lib/auth/tenant-sign-in-link.server.ts";
import { endAgencySession, openTenantSession } from "../../lib/auth/user-sessions.server.ts";
import type { PooledClient } from "../../lib/db/client-cache.ts";
import type { TenantDb } from "../../lib/db/tenant-db.server.ts";
import { provisionTenant } from "../../lib/provisioning/provision.server.ts";
import { parseTenantSpec } from "../../lib/provisioning/spec.ts";
import type { ResolvedTenant } from "../../lib/tenancy/resolver.ts";
import { FALLBACK_THEME } from "../../lib/tenancy/theme.ts";
import { openTenantDb, testControlPlane, type TestControlPlane } from "../support/databases.ts";
import { installTestPlatform } from "../support/platform.ts";

/**
 * Server-side sessions and the account basics (docs/decisions/041, security cases 64–66) on a
 * real control plane and two real tenant databases, through the real guards reading real
 * session cookies inside a request as Next.js builds one.
 */
let cp: TestControlPlane;
let installed: ReturnType<typeof installTestPlatform>;
let a: ResolvedTenant;
let b: ResolvedTenant;
let dbA: PooledClient<TenantDb>;
let dbB: PooledClient<TenantDb>;
let people = 0;
const OLD = "old-password-123";

beforeAll(async () => {
  process.env.__NEXT_EXPERIMENTAL_AUTH_INTERRUPTS = "true";
  cp = await testControlPlane();
  const ids: string[] = [];
  for (const base of ["sess-a", "sess-b"]) {
    const { tenantId } = await provisionTenant(
      cp.deps,
      parseTenantSpec({ slug: cp.slug(base), name: `${base} Org`, theme: FALLBACK_THEME }),
      { mode: "create", seed: false },
    );
    ids.push(tenantId);
  }
  installed = installTestPlatform(cp);
  a = await installed.tenant(cp.slug("sess-a"));
  b = await installed.tenant(cp.slug("sess-b"));
  dbA = await openTenantDb(cp, ids[0]!, "account-sessions-a");
  dbB = await openTenantDb(cp, ids[1]!, "account-sessions-b");
});
afterAll(async () => {
  await installed?.uninstall();
  await dbA?.close();
  await dbB?.close();
  await cp?.cleanup();
});

/** A new user of tenant A (or `db`'s tenant) with a password. */
async function person(db: PooledClient<TenantDb> = dbA, email = `p${++people}@sess.example`) {
  return db.client.user.create({
    data: { email, name: `Person ${people}`, role: "member", passwordHash: await hashPassword(OLD) },
  });
}

async function cookieFor(
  tenant: ResolvedTenant,
  user: { id: string; sessionVersion: number },
  sessionId?: string | null,
) {
  return sessionCookie(tenant.primaryHost, { tenant, userId: user.id, sessionVersion: user.sessionVersion, sessionId });
}

const guard = (tenant: ResolvedTenant, cookie: string) =>
  inRequest({ host: tenant.primaryHost, cookie }, () => tenantUser(tenant));

const sessionRows = (userId: string) =>
  dbA.client.userSession.findMany({ where: { userId }, orderBy: { createdAt: "asc" } });

/** The token in the last mail to `to` of tenant `tenant`, and that mail. */
async function lastMail(tenant: ResolvedTenant, to: string) {
  const mail = await cp.deps.control.outboxMessage.findFirst({
    where: { tenantId: tenant.id, toAddress: to },
    orderBy: { at: "desc" },
  });
  return { mail, token: /token=([A-Za-z0-9_-]{43})/.exec(mail?.text ?? "")?.[1] };
}

const audits = (action: string, tenantId: string) =>
  cp.deps.control.auditEntry.findMany({ where: { action, tenantId }, orderBy: { id: "asc" } });

describe("a session is its row (docs/decisions/041)", () => {
  it("accepts a cookie whose row is live, and refuses it once the row has ended (positive control first)", async () => {
    const user = await person();
    const cookie = await cookieFor(a, user);
    const seen = await guard(a, cookie);
    expect(seen?.email).toBe(user.email);
    const [row] = await sessionRows(user.id);
    expect(seen?.sessionId).toBe(row!.id);
    await dbA.client.userSession.update({ where: { id: row!.id }, data: { endedAt: new Date() } });
    expect(await guard(a, cookie)).toBeNull();
  });

  it("refuses a cookie without a row id, with another user's row, or whose row has expired", async () => {
    const user = await person();
    const other = await person();
    const control = await cookieFor(a, user);
    expect((await guard(a, control))?.id).toBe(user.id); // positive control
    // A cookie from before sessions had rows: the token is valid, the row is missing.
    expect(await guard(a, await cookieFor(a, user, null))).toBeNull();
    // Another user's live row named in this user's cookie.
    const theirs = await openTenantSession(a.id, other.id, "password", { ip: null, userAgent: null });
    expect(await guard(a, await cookieFor(a, user, theirs))).toBeNull();
    // Expired.
    const [row] = await sessionRows(user.id);
    await dbA.client.userSession.update({ where: { id: row!.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect(await guard(a, control)).toBeNull();
  });

  it("never revives an ended row nor prolongs a live one, whoever connects; ending and last-seen still work", async () => {
    const user = await person();
    const id = await openTenantSession(a.id, user.id, "password", { ip: null, userAgent: null });
    // Positive control: last seen and the end are written as usual.
    await dbA.client.userSession.update({ where: { id }, data: { lastSeenAt: new Date() } });
    await dbA.client.userSession.update({ where: { id }, data: { endedAt: new Date() } });
    await expect(dbA.client.userSession.update({ where: { id }, data: { endedAt: null } })).rejects.toThrow(
      /an ended session stays ended/,
    );
    const live = await openTenantSession(a.id, user.id, "password", { ip: null, userAgent: null });
    await expect(
      dbA.client.userSession.update({ where: { id: live }, data: { expiresAt: new Date(Date.now() + 86_400_000) } }),
    ).rejects.toThrow(/never prolonged/);
  });

  it("still ends every session when the session version is bumped (deactivation)", async () => {
    const user = await person();
    const cookie = await cookieFor(a, user);
    expect(await guard(a, cookie)).not.toBeNull();
    await dbA.client.user.update({ where: { id: user.id }, data: { sessionVersion: { increment: 1 } } });
    expect(await guard(a, cookie)).toBeNull();
  });

  it("writes lastSeenAt at most once a minute per session", async () => {
    const user = await person();
    const cookie = await cookieFor(a, user);
    const [row] = await sessionRows(user.id);
    const recent = new Date(Date.now() - 30_000);
    await dbA.client.userSession.update({ where: { id: row!.id }, data: { lastSeenAt: recent } });
    for (let i = 0; i < 3; i++) expect(await guard(a, cookie)).not.toBeNull();
    expect((await sessionRows(user.id))[0]!.lastSeenAt).toEqual(recent);
    const stale = new Date(Date.now() - 90_000);
    await dbA.client.userSession.update({ where: { id: row!.id }, data: { lastSeenAt: stale } });
    await Promise.all([guard(a, cookie), guard(a, cookie)]);
    const after = (await sessionRows(user.id))[0]!.lastSeenAt;
    expect(after.getTime()).toBeGreaterThan(stale.getTime());
    // Written once: the next request within the minute leaves it as it is.
    await guard(a, cookie);
    expect((await sessionRows(user.id))[0]!.lastSeenAt).toEqual(after);
  });

  it("signing out ends the row, so the same cookie replayed is refused", async () => {
    const user = await person();
    const cookie = await cookieFor(a, user);
    const [row] = await sessionRows(user.id);
    expect(await guard(a, cookie)).not.toBeNull();
    const events = tenantAuthOptions(a, `https://${a.primaryHost}`).events!;
    await events.signOut!({
      token: { realm: "tenant", tid: a.id, uid: user.id, sid: row!.id },
      session: null as never,
    });
    expect((await sessionRows(user.id))[0]!.endedAt).not.toBeNull();
    expect(await guard(a, cookie)).toBeNull();
  });

  it("lists a user's live sessions with this one marked, and ends one or all others", async () => {
    const user = await person();
    const mine = await cookieFor(a, user);
    const second = await cookieFor(a, user);
    const third = await cookieFor(a, user);
    const me = (await guard(a, mine))!;
    const listed = await inRequest({ host: a.primaryHost, cookie: mine }, () => mySessions(a, me));
    expect(listed).toHaveLength(3);
    expect(listed.filter((s) => s.current).map((s) => s.id)).toEqual([me.sessionId]);
    const secondId = (await guard(a, second))!.sessionId!;
    await inRequest({ host: a.primaryHost, cookie: mine }, () => endMySessions(a, me, secondId));
    expect(await guard(a, second)).toBeNull();
    expect(await guard(a, third)).not.toBeNull(); // positive control: only that one ended
    expect(await inRequest({ host: a.primaryHost, cookie: mine }, () => endMySessions(a, me, "others"))).toEqual({
      ended: 1,
    });
    expect(await guard(a, third)).toBeNull();
    expect(await guard(a, mine)).not.toBeNull();
    expect((await audits("tenant-user.session-end", a.id)).length).toBeGreaterThanOrEqual(2);
  });

  it("agency sessions are rows too: an ended one is refused, a live one accepted", async () => {
    const user = await cp.deps.control.agencyUser.create({
      data: { email: `agent${++people}@agency.example`, name: "Agent", role: "viewer", passwordHash: "x" },
    });
    const host = installed.platform.hosts.agencyHost;
    const cookie = await sessionCookie(host, { userId: user.id, sessionVersion: user.sessionVersion });
    const seen = await inRequest({ host, cookie }, () => agencyUser());
    expect(seen?.email).toBe(user.email);
    await endAgencySession(user.id, seen!.sessionId!);
    expect(await inRequest({ host, cookie }, () => agencyUser())).toBeNull();
  });
});

describe("forgot / reset password (security cases 64, 65)", () => {
  it("mails a single-use link to an account, and answers the same for an address without one", async () => {
    const user = await person();
    const ask = (email: string) => inRequest({ host: a.primaryHost }, () => requestPasswordReset(a, email));
    expect(await ask(user.email)).toBe("sent");
    expect(await ask(`nobody${people}@sess.example`)).toBe("sent");
    const { mail, token } = await lastMail(a, user.email);
    expect(mail?.subject).toContain("Reset your password");
    expect(token).toBeDefined();
    expect((await lastMail(a, `nobody${people}@sess.example`)).mail).toBeNull();
    // Only the token's hash is stored.
    const row = await dbA.client.loginToken.findUniqueOrThrow({ where: { tokenHash: hashToken(token!) } });
    expect(row).toMatchObject({ purpose: "password-reset", userId: user.id, usedAt: null });
    expect(row.expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(30 * 60_000);
  });

  it("sets the password, ends every session of the user, signs in fresh once, and works only once", async () => {
    const user = await person();
    const cookies = [await cookieFor(a, user), await cookieFor(a, user)];
    for (const c of cookies) expect(await guard(a, c)).not.toBeNull(); // positive control
    await inRequest({ host: a.primaryHost }, () => requestPasswordReset(a, user.email));
    const { token } = await lastMail(a, user.email);
    expect(await peekPasswordReset(a, token)).toEqual({ state: "ready", email: user.email });
    const outcome = await inRequest({ host: a.primaryHost }, () => resetPassword(a, token, "brand-new-password"));
    expect(outcome).toMatchObject({ email: user.email, signInToken: expect.any(String) });
    for (const c of cookies) expect(await guard(a, c)).toBeNull();
    expect((await sessionRows(user.id)).every((r) => r.endedAt !== null)).toBe(true);
    const stored = await dbA.client.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(await verifyPassword(stored.passwordHash, "brand-new-password")).toBe(true);
    // The fresh sign-in is a reset's, and works once.
    const signIn = (outcome as { signInToken: string }).signInToken;
    expect(await consumeTenantSignInLink(a, signIn)).toMatchObject({ email: user.email, method: "reset" });
    expect(await consumeTenantSignInLink(a, signIn)).toBeNull();
    // The reset link again: refused as used.
    expect(await inRequest({ host: a.primaryHost }, () => resetPassword(a, token, "another-password-1"))).toEqual({
      refused: "used",
    });
    expect(await peekPasswordReset(a, token)).toEqual({ state: "used" });
    // A mistyped link (well-formed, one character off) finds nothing.
    const mistyped = `${token!.slice(0, -1)}${token!.endsWith("A") ? "B" : "A"}`;
    expect(await inRequest({ host: a.primaryHost }, () => resetPassword(a, mistyped, "another-password-1"))).toEqual({
      refused: "invalid",
    });
    expect(await audits("tenant-user.password-reset", a.id)).toHaveLength(1);
  });

  it("refuses an expired link, with a live one of the same kind working (positive control)", async () => {
    const user = await person();
    await inRequest({ host: a.primaryHost }, () => requestPasswordReset(a, user.email));
    const { token } = await lastMail(a, user.email);
    await dbA.client.loginToken.update({
      where: { tokenHash: hashToken(token!) },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    expect(await inRequest({ host: a.primaryHost }, () => resetPassword(a, token, "brand-new-password"))).toEqual({
      refused: "expired",
    });
    await inRequest({ host: a.primaryHost }, () => requestPasswordReset(a, user.email));
    const fresh = await lastMail(a, user.email);
    expect(fresh.token).not.toBe(token);
    expect(
      await inRequest({ host: a.primaryHost }, () => resetPassword(a, fresh.token, "brand-new-password")),
    ).toMatchObject({ email: user.email });
  });

  it("refuses tenant A's link on tenant B, even for the same address there, and it still works on A", async () => {
    const email = `both${++people}@sess.example`;
    const onA = await person(dbA, email);
    const onB = await person(dbB, email);
    await inRequest({ host: a.primaryHost }, () => requestPasswordReset(a, email));
    const { token } = await lastMail(a, email);
    expect(await peekPasswordReset(b, token)).toEqual({ state: "invalid" });
    expect(await inRequest({ host: b.primaryHost }, () => resetPassword(b, token, "hijacked-password"))).toEqual({
      refused: "invalid",
    });
    const onBAfter = await dbB.client.user.findUniqueOrThrow({ where: { id: onB.id } });
    expect(await verifyPassword(onBAfter.passwordHash, OLD)).toBe(true);
    expect(await inRequest({ host: a.primaryHost }, () => resetPassword(a, token, "brand-new-password"))).toMatchObject(
      { email },
    );
    const onAAfter = await dbA.client.user.findUniqueOrThrow({ where: { id: onA.id } });
    expect(await verifyPassword(onAAfter.passwordHash, "brand-new-password")).toBe(true);
  });

  it("is throttled per address, known or not, and another address is still served", async () => {
    const ask = (email: string) => inRequest({ host: a.primaryHost }, () => requestPasswordReset(a, email));
    const target = `flood${++people}@sess.example`;
    for (let i = 0; i < 5; i++) expect(await ask(target)).toBe("sent");
    expect(await ask(target)).toMatchObject({ message: expect.stringMatching(/^Too many attempts/) });
    expect(await ask(`calm${people}@sess.example`)).toBe("sent");
  });
});

describe("change password", () => {
  it("needs the current password, counts a wrong one like a failed sign-in, and ends every other session", async () => {
    const user = await person();
    const mine = await cookieFor(a, user);
    const other = await cookieFor(a, user);
    const me = (await guard(a, mine))!;
    const change = (current: string) =>
      inRequest({ host: a.primaryHost, cookie: mine }, () => changePassword(a, me, current, "changed-password-1"));
    await expect(change("not-my-password")).rejects.toThrow(/current password is not right/);
    expect(await guard(a, other)).not.toBeNull(); // nothing changed
    expect(await change(OLD)).toEqual({ ended: 1 });
    expect(await guard(a, other)).toBeNull();
    expect(await guard(a, mine)).not.toBeNull();
    const stored = await dbA.client.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(await verifyPassword(stored.passwordHash, "changed-password-1")).toBe(true);
    expect(await audits("tenant-user.password-change", a.id)).toHaveLength(1);
  });

  it("locks after five wrong current passwords: then even the right one is refused", async () => {
    const user = await person();
    const mine = await cookieFor(a, user);
    const me = (await guard(a, mine))!;
    const change = (current: string) =>
      inRequest({ host: a.primaryHost, cookie: mine }, () => changePassword(a, me, current, "changed-password-1"));
    for (let i = 0; i < 4; i++) await expect(change("wrong-password")).rejects.toThrow(/not right/);
    await expect(change("wrong-password")).rejects.toThrow(/^Too many attempts/);
    await expect(change(OLD)).rejects.toThrow(/^Too many attempts/);
    // Positive control: the lock is this account's; another one changes its password as before.
    const other = await person();
    const theirs = await cookieFor(a, other);
    const them = (await guard(a, theirs))!;
    await expect(
      inRequest({ host: a.primaryHost, cookie: theirs }, () => changePassword(a, them, OLD, "changed-password-1")),
    ).resolves.toEqual({ ended: 0 });
  });
});

describe("change email", () => {
  it("sends a link to the new address and a notice to the old; applies it once, on confirmation", async () => {
    const user = await person();
    const me = (await guard(a, await cookieFor(a, user)))!;
    const to = `moved${people}@sess.example`;
    await inRequest({ host: a.primaryHost }, () => requestEmailChange(a, me, to));
    const confirm = await lastMail(a, to);
    expect(confirm.mail?.subject).toContain("Confirm your new email address");
    expect((await lastMail(a, user.email)).mail?.subject).toContain("is being changed");
    // Nothing changes before the link is used.
    expect((await dbA.client.user.findUniqueOrThrow({ where: { id: user.id } })).email).toBe(user.email);
    expect(await inRequest({ host: a.primaryHost }, () => confirmEmailChange(a, confirm.token))).toEqual({ email: to });
    expect((await dbA.client.user.findUniqueOrThrow({ where: { id: user.id } })).email).toBe(to);
    expect(await inRequest({ host: a.primaryHost }, () => confirmEmailChange(a, confirm.token))).toEqual({
      refused: "used",
    });
    expect(await confirmEmailChange(b, confirm.token)).toEqual({ refused: "invalid" });
    expect(await audits("tenant-user.email-change", a.id)).toHaveLength(1);
  });

  it("refuses an address that already has an account here, clearly, and accepts a free one (positive control)", async () => {
    const user = await person();
    const taken = await person();
    const me = (await guard(a, await cookieFor(a, user)))!;
    await expect(
      inRequest({ host: a.primaryHost }, () => requestEmailChange(a, me, taken.email.toUpperCase())),
    ).rejects.toThrow(/already belongs to another account/);
    await expect(
      inRequest({ host: a.primaryHost }, () => requestEmailChange(a, me, `free${people}@sess.example`)),
    ).resolves.toEqual({ to: `free${people}@sess.example` });
  });

  it("withdraws reset links sent to the old address once the change applies; before it, they work", async () => {
    const user = await person();
    const me = (await guard(a, await cookieFor(a, user)))!;
    await inRequest({ host: a.primaryHost }, () => requestPasswordReset(a, user.email));
    const reset = await lastMail(a, user.email);
    expect(await peekPasswordReset(a, reset.token)).toEqual({ state: "ready", email: user.email }); // positive control
    const to = `newer${people}@sess.example`;
    await inRequest({ host: a.primaryHost }, () => requestEmailChange(a, me, to));
    const { token } = await lastMail(a, to);
    expect(await inRequest({ host: a.primaryHost }, () => confirmEmailChange(a, token))).toEqual({ email: to });
    expect(await inRequest({ host: a.primaryHost }, () => resetPassword(a, reset.token, "brand-new-password"))).toEqual(
      {
        refused: "expired",
      },
    );
    const stored = await dbA.client.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(await verifyPassword(stored.passwordHash, OLD)).toBe(true);
  });

  it("refuses the change when the address was taken between asking and confirming", async () => {
    const user = await person();
    const me = (await guard(a, await cookieFor(a, user)))!;
    const to = `race${++people}@sess.example`;
    await inRequest({ host: a.primaryHost }, () => requestEmailChange(a, me, to));
    const { token } = await lastMail(a, to);
    await person(dbA, to);
    expect(await inRequest({ host: a.primaryHost }, () => confirmEmailChange(a, token))).toEqual({ refused: "taken" });
    expect((await dbA.client.user.findUniqueOrThrow({ where: { id: user.id } })).email).toBe(user.email);
  });
});
