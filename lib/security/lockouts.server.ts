import "server-only";
import { appendAudit, type AuditActor } from "../audit/log.server.ts";
import { requireRuntime } from "../config/env.server.ts";
import { requestClientIp } from "../http/request-ip.server.ts";
import { platform } from "../platform.server.ts";
import type { ResolvedTenant } from "../tenancy/resolver.ts";
import { agencyAccount, LOCKOUT_SECONDS, tenantAccount, throttle, tooManyAttempts, type Refusal, type SignInLock, type Throttle, type ThrottledAction } from "./throttle.server.ts";

/**
 * The web app's side of the account lockout (docs/decisions/019): the password check of both
 * realms goes through guardedPasswordCheck; a lockout is mailed to the account's owner and
 * audited, and an admin can see and lift it (audited too).
 */

export function appThrottle(): Throttle {
  return throttle(requireRuntime(platform().env).databaseUrl);
}

const LOCKED = "tenant-user.locked";
const AGENCY_LOCKED = "agency-user.locked";

/** The account a sign-in form names, or null when the address is not one (then only the IP counts). */
export function signInAccount(realm: { tenantId: string } | "agency", rawEmail: unknown): string | null {
  if (typeof rawEmail !== "string" || rawEmail.length === 0 || rawEmail.length > 254) return null;
  return realm === "agency" ? agencyAccount(rawEmail) : tenantAccount(realm.tenantId, rawEmail);
}

/**
 * Checks a password under the lockout rules: refused while locked (even the right password), a
 * wrong one counts, the right one clears the count. `check` verifies and returns the user, or
 * the active user it was for (to tell them about a lockout) without `ok`.
 */
export async function guardedPasswordCheck<U>(
  account: string,
  check: () => Promise<{ ok: true; user: U } | { ok: false; owner: { email: string; name: string } | null }>,
  onLocked: (owner: { email: string; name: string }, lock: SignInLock, ip: string) => Promise<void>,
): Promise<{ ok: true; user: U } | { ok: false; refusal?: Refusal }> {
  const who = { account, ip: await requestClientIp() };
  const t = appThrottle();
  const refusal = await t.signInRefusal(who);
  if (refusal) return { ok: false, refusal };
  const result = await check();
  if (result.ok) {
    await t.signInSucceeded(account);
    return result;
  }
  const lock = await t.signInFailed(who);
  if (lock && result.owner) {
    // The lock holds whatever happens to the mail or the audit entry; their failure is logged.
    await onLocked(result.owner, lock, who.ip).catch((error) => console.error(`[throttle] lockout notice failed: ${error instanceof Error ? error.message : String(error)}`));
  }
  return { ok: false, refusal: lock ? tooManyAttempts(lock.seconds) : undefined };
}

function lockText(who: { name: string }, where: string, lock: SignInLock, unlocker: string): string {
  const until = new Date(Date.now() + lock.seconds * 1000).toISOString().slice(0, 16).replace("T", " ");
  const next = LOCKOUT_SECONDS[Math.min(lock.count, LOCKOUT_SECONDS.length - 1)]! / 60;
  return (
    `Hello ${who.name},\n\n` +
    `Someone — perhaps you — entered a wrong password for your account on ${where} several times in a row, ` +
    `so signing in with a password is paused until ${until} UTC.\n\n` +
    `If it was you: wait until then, or ask ${unlocker} to unlock your account now. ` +
    `If it was not you, your password has not been guessed: nobody can sign in while the account is locked. ` +
    `Consider choosing a longer password. A further lockout would last ${next >= 60 ? `${next / 60} hour${next === 60 ? "" : "s"}` : `${next} minutes`}.\n`
  );
}

export async function tenantLockedOut(tenant: ResolvedTenant, owner: { email: string; name: string }, lock: SignInLock, ip: string): Promise<void> {
  const { control, mail, env } = platform();
  await appendAudit(control, {
    actor: { type: "system", label: "throttle" },
    action: LOCKED,
    tenantId: tenant.id,
    ip: ip === "unknown" ? null : ip,
    details: { email: owner.email, minutes: lock.seconds / 60, lockoutsToday: lock.count },
  });
  await mail.send({
    tenantId: tenant.id,
    to: owner.email,
    fromName: tenant.name.slice(0, 120),
    fromAddress: env.PORTICO_MAIL_FROM ?? `no-reply@${tenant.primaryHost}`,
    subject: `Your ${tenant.name} account is locked for a while`.slice(0, 200),
    text: lockText(owner, tenant.name, lock, "an admin of the portal (Manage → Team)"),
  });
}

export async function agencyLockedOut(owner: { email: string; name: string }, lock: SignInLock, ip: string): Promise<void> {
  const { control, mail, env, hosts } = platform();
  await appendAudit(control, {
    actor: { type: "system", label: "throttle" },
    action: AGENCY_LOCKED,
    ip: ip === "unknown" ? null : ip,
    details: { email: owner.email, minutes: lock.seconds / 60, lockoutsToday: lock.count },
  });
  await mail.send({
    tenantId: null,
    to: owner.email,
    fromName: "Portico",
    fromAddress: env.PORTICO_MAIL_FROM ?? `no-reply@${hosts.agencyHost}`,
    subject: "Your agency dashboard account is locked for a while",
    text: lockText(owner, "the agency dashboard", lock, "an agency owner (Agency users)"),
  });
}

/** Accounts locked now, among those whose lockout was audited within the last day. */
async function lockedAmong(action: string, tenantId: string | null, account: (email: string) => string): Promise<Array<{ email: string; until: Date }>> {
  const rows = await platform().control.auditEntry.findMany({
    where: { action, tenantId, at: { gt: new Date(Date.now() - 24 * 3600_000) } },
    select: { details: true },
    orderBy: { id: "desc" },
    take: 500,
  });
  const emails = [...new Set(rows.map((r) => (r.details as { email?: unknown }).email).filter((e): e is string => typeof e === "string"))];
  const locked = await appThrottle().lockedUntil(emails.map(account));
  return emails.flatMap((email) => {
    const until = locked.get(account(email));
    return until ? [{ email, until }] : [];
  });
}

export function lockedTenantAccounts(tenant: ResolvedTenant) {
  return lockedAmong(LOCKED, tenant.id, (email) => tenantAccount(tenant.id, email));
}

export function lockedAgencyAccounts() {
  return lockedAmong(AGENCY_LOCKED, null, agencyAccount);
}

/** Lifts a lockout; audited with who did it. Returns false when the account was not locked. */
export async function unlockAccount(target: { tenantId: string; email: string } | { agency: true; email: string }, actor: AuditActor, from: { ip: string | null; userAgent: string | null }): Promise<boolean> {
  const email = target.email.trim().toLowerCase();
  const account = "tenantId" in target ? tenantAccount(target.tenantId, email) : agencyAccount(email);
  if ((await appThrottle().lockedUntil([account])).size === 0) return false;
  await appThrottle().lift(account);
  await appendAudit(platform().control, {
    actor,
    action: "tenantId" in target ? "tenant-user.unlocked" : "agency-user.unlocked",
    tenantId: "tenantId" in target ? target.tenantId : null,
    ...from,
    details: { email },
  });
  return true;
}

/** One attempt at a limited action by this request's client, for `account`; a refusal when over. */
export async function limitAttempt(action: ThrottledAction, account: string): Promise<Refusal | null> {
  return appThrottle().attempt(action, { account, ip: await requestClientIp() });
}
