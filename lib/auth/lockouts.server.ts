import "server-only";
import { appendAudit, type AuditActor } from "../audit/log.server.ts";
import { requireRuntime } from "../config/env.server.ts";
import { requestClientIp } from "../http/request-ip.server.ts";
import { platform } from "../platform/platform.server.ts";
import type { ResolvedTenant } from "../tenancy/resolver.ts";
import { assertAgencyRole, assertTenantRole, type AgencyUser, type TenantUser } from "./verified.ts";
import type { ControlDb } from "../db/control.server.ts";
import { queueMail, type QueuedMail } from "../mail/outbox.server.ts";
import type { MailLocale } from "../mail/messages/index.ts";
import { agencyMailBrand, tenantMailBrand } from "../platform/mail-brand.ts";
import { AGENCY_MAIL, markMailDue, requestMailFlush } from "../platform/mail-queue.server.ts";
import { publicLink } from "./origin.server.ts";
import {
  agencyAccount,
  LOCKOUT_SECONDS,
  tenantAccount,
  throttle,
  type Refusal,
  type SignInLock,
  type Throttle,
  type ThrottledAction,
  type PasswordCheck,
  checkPasswordUnderLockout,
} from "../security/throttle.server.ts";

/**
 * The web app's side of the account lockout (docs/decisions/019): the password check of both
 * realms goes through guardedPasswordCheck; a lockout is audited and its notice queued in the
 * control plane's mail outbox (docs/decisions/040), and an admin can see and lift it (audited too).
 */

export function appThrottle(): Throttle {
  return throttle(requireRuntime(platform().env).databaseUrl);
}

/** What lockout notices and lifts need; the running app's by default, a test's own in tests. */
export interface LockoutDeps {
  control: ControlDb;
  mailFrom?: string;
  agencyHost: string;
  throttle: Throttle;
  /** Absolute links on a registered host (the running app's publicLink by default). */
  link?: (host: string, path: string) => string;
  /** Asks for the control plane's outbox to be sent once a notice is queued (a flush job by default). */
  requestFlush?: () => Promise<void>;
}

const plainLink = (host: string, path: string) => `http://${host}${path}`;

function appDeps(): LockoutDeps {
  const p = platform();
  return {
    control: p.control,
    mailFrom: p.env.PORTICO_MAIL_FROM,
    agencyHost: p.hosts.agencyHost,
    throttle: appThrottle(),
    link: publicLink,
  };
}

const LOCKED = "tenant-user.locked";
const AGENCY_LOCKED = "agency-user.locked";

/** The account a sign-in form names, or null when the address is not one (then only the IP counts). */
export function signInAccount(realm: { tenantId: string } | "agency", rawEmail: unknown): string | null {
  if (typeof rawEmail !== "string" || rawEmail.length === 0 || rawEmail.length > 254) return null;
  return realm === "agency" ? agencyAccount(rawEmail) : tenantAccount(realm.tenantId, rawEmail);
}

/** The password check of both realms, under the lockout rules, for this request's client. */
export async function guardedPasswordCheck<U>(
  account: string,
  check: PasswordCheck<U>,
  onLocked: (owner: { email: string; name: string }, lock: SignInLock, ip: string) => Promise<void>,
) {
  return checkPasswordUnderLockout(appThrottle(), { account, ip: await requestClientIp() }, check, onLocked);
}

/**
 * Queues a lockout notice in the control plane's outbox (tenant notices carry their tenant), then
 * asks for it to be sent: the request that tripped the lock never waits on the mail server, and a
 * mail server that is down loses nothing.
 */
async function queueNotice(deps: LockoutDeps, mail: QueuedMail): Promise<void> {
  await deps.control.$transaction(async (tx) => {
    await queueMail(tx, "control", [mail]);
    await markMailDue(tx, AGENCY_MAIL);
  });
  await (deps.requestFlush ?? (() => requestMailFlush(AGENCY_MAIL)))();
}

function lockContent(who: { name: string }, realm: "tenant" | "agency", lock: SignInLock) {
  return {
    kind: "account-locked" as const,
    realm,
    name: who.name,
    until: new Date(Date.now() + lock.seconds * 1000),
    nextMinutes: LOCKOUT_SECONDS[Math.min(lock.count, LOCKOUT_SECONDS.length - 1)]! / 60,
  };
}

export async function tenantLockedOut(
  tenant: Pick<ResolvedTenant, "id" | "name" | "primaryHost"> & { theme?: ResolvedTenant["theme"] },
  owner: { email: string; name: string },
  lock: SignInLock,
  ip: string,
  deps: LockoutDeps = appDeps(),
  locale: MailLocale = "en",
): Promise<void> {
  await appendAudit(deps.control, {
    actor: { type: "system", label: "throttle" },
    action: LOCKED,
    tenantId: tenant.id,
    ip: ip === "unknown" ? null : ip,
    details: { email: owner.email, minutes: lock.seconds / 60, lockoutsToday: lock.count },
  });
  await queueNotice(deps, {
    tenantId: tenant.id,
    to: owner.email,
    fromName: tenant.name,
    fromAddress: deps.mailFrom ?? `no-reply@${tenant.primaryHost}`,
    content: lockContent(owner, "tenant", lock),
    brand: tenantMailBrand(tenant, deps.link ?? plainLink),
    locale,
  });
}

export async function agencyLockedOut(
  owner: { email: string; name: string },
  lock: SignInLock,
  ip: string,
  deps: LockoutDeps = appDeps(),
  locale: MailLocale = "en",
): Promise<void> {
  await appendAudit(deps.control, {
    actor: { type: "system", label: "throttle" },
    action: AGENCY_LOCKED,
    ip: ip === "unknown" ? null : ip,
    details: { email: owner.email, minutes: lock.seconds / 60, lockoutsToday: lock.count },
  });
  await queueNotice(deps, {
    tenantId: null,
    to: owner.email,
    fromName: "Portico",
    fromAddress: deps.mailFrom ?? `no-reply@${deps.agencyHost}`,
    content: lockContent(owner, "agency", lock),
    brand: agencyMailBrand(deps.agencyHost, deps.link ?? plainLink),
    locale,
  });
}

/** Accounts locked now, among those whose lockout was audited within the last day. */
async function lockedAmong(
  deps: LockoutDeps,
  action: string,
  tenantId: string | null,
  account: (email: string) => string,
): Promise<Array<{ email: string; until: Date }>> {
  const rows = await deps.control.auditEntry.findMany({
    where: { action, tenantId, at: { gt: new Date(Date.now() - 24 * 3600_000) } },
    select: { details: true },
    orderBy: { id: "desc" },
    take: 500,
  });
  const emails = [
    ...new Set(
      rows.map((r) => (r.details as { email?: unknown }).email).filter((e): e is string => typeof e === "string"),
    ),
  ];
  const locked = await deps.throttle.lockedUntil(emails.map(account));
  return emails.flatMap((email) => {
    const until = locked.get(account(email));
    return until ? [{ email, until }] : [];
  });
}

/** Accounts of this tenant locked out now, for its admins (docs/decisions/018). */
export function lockedTenantAccounts(tenant: { id: string }, admin: TenantUser, deps: LockoutDeps = appDeps()) {
  assertTenantRole(admin, tenant, "admin");
  return lockedAmong(deps, LOCKED, tenant.id, (email) => tenantAccount(tenant.id, email));
}

/** Agency accounts locked out now, for agency owners. */
export function lockedAgencyAccounts(owner: AgencyUser, deps: LockoutDeps = appDeps()) {
  assertAgencyRole(owner, "owner");
  return lockedAmong(deps, AGENCY_LOCKED, null, agencyAccount);
}

/** Lifts a lockout; audited with who did it. Returns false when the account was not locked. */
export async function unlockAccount(
  target: { tenantId: string; email: string } | { agency: true; email: string },
  actor: AuditActor,
  from: { ip: string | null; userAgent: string | null },
  deps: LockoutDeps = appDeps(),
): Promise<boolean> {
  const email = target.email.trim().toLowerCase();
  const account = "tenantId" in target ? tenantAccount(target.tenantId, email) : agencyAccount(email);
  if ((await deps.throttle.lockedUntil([account])).size === 0) return false;
  await deps.throttle.lift(account);
  await appendAudit(deps.control, {
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
