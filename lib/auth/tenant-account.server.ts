import "server-only";
import { appendAudit } from "../audit/log.server.ts";
import { requestOrigin } from "../audit/request.server.ts";
import { emailAddress } from "../mail/address.ts";
import type { MailLocale } from "../mail/messages/index.ts";
import { tenantMailBrand } from "../platform/mail-brand.ts";
import { queueTenantMail, withTenantMail } from "../platform/mail-queue.server.ts";
import { platform } from "../platform/platform.server.ts";
import { withTenantDb } from "../platform/with-tenant-db.server.ts";
import { tenantAccount, type Refusal } from "../security/throttle.server.ts";
import type { ResolvedTenant } from "../tenancy/resolver.ts";
import { InvalidInput } from "../util/errors.ts";
import { generateToken, hashPassword, hashToken, verifyPassword } from "./credentials.server.ts";
import { appThrottle, guardedPasswordCheck, limitAttempt, tenantLockedOut } from "./lockouts.server.ts";
import { publicLink } from "./origin.server.ts";
import { recipientLocale } from "./recipient-locale.server.ts";
import {
  SsoRequiredRefused,
  ssoRequiredMessage,
  ssoRequirementFor,
  tenantSsoRequirement,
} from "./sso-required.server.ts";
import { endTenantSession, endTenantSessionsOf, tenantSessionsOf, type ListedSession } from "./user-sessions.server.ts";
import { assertTenantRole, type TenantUser } from "./verified.ts";

/**
 * A tenant user's own account: forgot/reset password, change password, change email, and the
 * list of their sessions (docs/decisions/041). Each is throttled per account and per address and
 * audited in the control plane with the tenant's id; tokens sent by email are stored as their
 * sha-256 only, used once, and looked up in this tenant's database alone, so a link from another
 * portal finds nothing here (security case 65).
 */

export const RESET_MINUTES = 30;
export const EMAIL_CHANGE_HOURS = 24;
/** The fresh sign-in a reset hands the browser, spent at once. */
const HAND_OFF_MINUTES = 2;

const email = emailAddress();
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

export type LinkState = "used" | "expired" | "invalid";

/** What each refused link says, and what to do instead. */
export const LINK_REFUSAL: Record<"reset" | "email", Record<LinkState, string>> = {
  reset: {
    used: "This password reset link has already been used. Links work once: ask for a new one with “Forgot password?” on the sign-in page.",
    expired: `This password reset link has expired (links last ${RESET_MINUTES} minutes). Ask for a new one with “Forgot password?” on the sign-in page.`,
    invalid:
      "This password reset link is not valid for this portal. Open the link from your email again, or ask for a new one with “Forgot password?” on the sign-in page.",
  },
  email: {
    used: "This confirmation link has already been used. If your address has not changed, ask for a new link on your account page.",
    expired: `This confirmation link has expired (links last ${EMAIL_CHANGE_HOURS} hours). Ask for a new one on your account page.`,
    invalid:
      "This confirmation link is not valid for this portal. Open the link from your email again, or ask for a new one on your account page.",
  },
};

/** An agency owner viewing the portal as this user does not manage the user's own account. */
function assertOwnAccount(viewer: TenantUser): void {
  if (viewer.impersonation)
    throw new InvalidInput("While the agency views the portal as this person, their own account settings stay theirs.");
}

async function audit(
  tenant: { id: string },
  actor: { id: string | null; email: string } | null,
  action: string,
  details: Record<string, unknown>,
): Promise<void> {
  await appendAudit(platform().control, {
    actor: actor
      ? { type: "tenant-user", id: actor.id, label: actor.email }
      : { type: "system", label: "account self-service" },
    action,
    tenantId: tenant.id,
    ...(await requestOrigin()),
    details,
  });
}

const mailFrom = (tenant: ResolvedTenant) => platform().env.PORTICO_MAIL_FROM ?? `no-reply@${tenant.primaryHost}`;

/** Why a stored token cannot be used: the same answer whether it was used, expired or never here. */
async function tokenState(
  tenant: ResolvedTenant,
  token: unknown,
  purpose: string,
): Promise<{ state: "ready"; email: string; userId: string } | { state: LinkState }> {
  if (typeof token !== "string" || !TOKEN.test(token)) return { state: "invalid" };
  const row = await withTenantDb(tenant.id, (db) =>
    db.loginToken.findUnique({ where: { tokenHash: hashToken(token) } }),
  );
  if (!row || row.purpose !== purpose || !row.userId) return { state: "invalid" };
  if (row.usedAt) return { state: "used" };
  if (row.expiresAt <= new Date()) return { state: "expired" };
  return { state: "ready", email: row.email, userId: row.userId };
}

/** Claims a token exactly once; the reason when it cannot be. */
async function claimToken(
  tenant: ResolvedTenant,
  token: unknown,
  purpose: string,
): Promise<{ email: string; userId: string } | { refused: LinkState }> {
  if (typeof token !== "string" || !TOKEN.test(token)) return { refused: "invalid" };
  const tokenHash = hashToken(token);
  const claimed = await withTenantDb(tenant.id, async (db) => {
    const updated = await db.loginToken.updateMany({
      where: { tokenHash, purpose, usedAt: null, expiresAt: { gt: new Date() } },
      data: { usedAt: new Date() },
    });
    return updated.count === 1
      ? db.loginToken.findUniqueOrThrow({ where: { tokenHash }, select: { email: true, userId: true } })
      : null;
  });
  if (claimed?.userId) return { email: claimed.email, userId: claimed.userId };
  const state = await tokenState(tenant, token, purpose);
  return { refused: state.state === "ready" ? "invalid" : state.state };
}

// ── forgot / reset password ─────────────────────────────────────────────────────────────────────

/**
 * "Forgot password?": mails a single-use link to choose a new password if the address belongs to
 * an active user of this tenant. The answer is the same either way, and the throttle counts every
 * address, known or not, so neither tells whether an account exists (security case 64).
 */
export async function requestPasswordReset(
  tenant: ResolvedTenant,
  rawEmail: unknown,
  locale?: MailLocale,
): Promise<"sent" | "invalid" | Refusal | { ssoRequired: string; message: string }> {
  const parsed = email.safeParse(rawEmail);
  if (!parsed.success) return "invalid";
  const refusal = await limitAttempt("password-reset", tenantAccount(tenant.id, parsed.data));
  if (refusal) return refusal;
  const user = await withTenantDb(tenant.id, (db) =>
    db.user.findUnique({ where: { email: parsed.data }, select: { id: true, active: true, locale: true } }),
  );
  // "SSO required" (docs/decisions/047): every address at a verified domain gets the same answer;
  // only the break-glass owner's mail is sent, so its address stands out from none of the others.
  const required = await tenantSsoRequirement(tenant.id, parsed.data);
  const ssoAnswer = required
    ? {
        ssoRequired: required.provider,
        message: `${ssoRequiredMessage(required.provider)} ${BREAK_GLASS_RESET}`,
      }
    : null;
  if (ssoAnswer && !(user?.active && user.id === required?.breakGlassUserId)) {
    await audit(tenant, null, "tenant-user.password-reset-request", { email: parsed.data, ssoRequired: true });
    return ssoAnswer;
  }
  if (!user?.active) {
    await audit(tenant, null, "tenant-user.password-reset-request", { email: parsed.data, known: false });
    return "sent";
  }
  const token = generateToken();
  const link = publicLink(tenant.primaryHost, `/reset-password?token=${encodeURIComponent(token)}`);
  const language = locale ?? (await recipientLocale(tenant.id, parsed.data));
  // The token and the email carrying it commit together (docs/decisions/040); a new link
  // withdraws any earlier one of this account.
  await withTenantMail(tenant.id, (db) =>
    db.$transaction(async (tx) => {
      await tx.loginToken.updateMany({
        where: { userId: user.id, purpose: "password-reset", usedAt: null },
        data: { expiresAt: new Date() },
      });
      await tx.loginToken.create({
        data: {
          tokenHash: hashToken(token),
          email: parsed.data,
          userId: user.id,
          purpose: "password-reset",
          expiresAt: new Date(Date.now() + RESET_MINUTES * 60_000),
        },
      });
      await queueTenantMail(tx, [
        {
          to: parsed.data,
          fromName: tenant.name,
          fromAddress: mailFrom(tenant),
          content: { kind: "password-reset", link, minutes: RESET_MINUTES },
          brand: tenantMailBrand(tenant, publicLink),
          locale: language,
        },
      ]);
    }),
  );
  await audit(tenant, { id: user.id, email: parsed.data }, "tenant-user.password-reset-request", {
    email: parsed.data,
    known: true,
  });
  return ssoAnswer ?? "sent";
}

/** Said with every "SSO required" answer to "Forgot password?", to whoever asks. */
export const BREAK_GLASS_RESET =
  "If you are this portal's break-glass owner, a link to reset your password is in your email.";

/** What the reset page says before anything is used. */
export async function peekPasswordReset(
  tenant: ResolvedTenant,
  token: unknown,
): Promise<{ state: "ready"; email: string } | { state: LinkState }> {
  const state = await tokenState(tenant, token, "password-reset");
  return state.state === "ready" ? { state: "ready", email: state.email } : state;
}

export type ResetOutcome = { email: string; signInToken: string } | { refused: LinkState };

/**
 * Sets a new password with a reset link: the token is claimed exactly once, then, in one
 * transaction, the password is set, every session of the user ends (each row: security case
 * 64) and a short-lived sign-in is issued, which the browser spends at once. The link proved
 * control of the address, as an emailed sign-in link does, so signing in fresh grants nothing
 * more and spares typing the new password straight away. A lockout of the account is lifted.
 */
export async function resetPassword(tenant: ResolvedTenant, token: unknown, password: string): Promise<ResetOutcome> {
  // A link sent before "SSO required" came into force sets no password at a verified domain
  // (docs/decisions/047), except the break-glass owner's; the link stays unused.
  const peek = await tokenState(tenant, token, "password-reset");
  if (peek.state === "ready") {
    const required = await tenantSsoRequirement(tenant.id, peek.email);
    if (required && required.breakGlassUserId !== peek.userId) {
      await audit(tenant, null, "tenant-user.password-reset-refused", { why: "sso-required" });
      throw new SsoRequiredRefused(ssoRequiredMessage(required.provider));
    }
  }
  const passwordHash = await hashPassword(password);
  const claimed = await claimToken(tenant, token, "password-reset");
  if ("refused" in claimed) {
    await audit(tenant, null, "tenant-user.password-reset-refused", { why: claimed.refused });
    return claimed;
  }
  const signInToken = generateToken();
  const done = await withTenantDb(tenant.id, (db) =>
    db.$transaction(async (tx) => {
      // The account must still be active and still have the address the link was sent to.
      const updated = await tx.user.updateMany({
        where: { id: claimed.userId, email: claimed.email, active: true },
        data: { passwordHash },
      });
      if (updated.count !== 1) return null;
      const ended = await endTenantSessionsOf(tx, claimed.userId);
      await tx.loginToken.create({
        data: {
          tokenHash: hashToken(signInToken),
          email: claimed.email,
          userId: claimed.userId,
          purpose: "reset-sign-in",
          returnTo: "/account",
          expiresAt: new Date(Date.now() + HAND_OFF_MINUTES * 60_000),
        },
      });
      return { ended };
    }),
  );
  if (!done) {
    await audit(tenant, null, "tenant-user.password-reset-refused", { why: "invalid" });
    return { refused: "invalid" };
  }
  await appThrottle().lift(tenantAccount(tenant.id, claimed.email));
  await audit(tenant, { id: claimed.userId, email: claimed.email }, "tenant-user.password-reset", {
    sessionsEnded: done.ended,
  });
  return { email: claimed.email, signInToken };
}

// ── change password ─────────────────────────────────────────────────────────────────────────────

/**
 * Changes the signed-in user's password: the current one is checked under the sign-in lockout
 * rules (a wrong one counts like a failed sign-in), then every other session of the user ends;
 * this one stays. A user without a password sets one through the reset link instead.
 */
export async function changePassword(
  tenant: ResolvedTenant,
  viewer: TenantUser,
  current: string,
  next: string,
): Promise<{ ended: number }> {
  assertTenantRole(viewer, tenant, "member");
  assertOwnAccount(viewer);
  const outcome = await guardedPasswordCheck(
    tenantAccount(tenant.id, viewer.email),
    async () => {
      const user = await withTenantDb(tenant.id, (db) =>
        db.user.findUnique({ where: { id: viewer.id }, select: { passwordHash: true, active: true, name: true } }),
      );
      const ok = await verifyPassword(user?.passwordHash, current);
      if (!ok || !user?.active)
        return { ok: false, owner: user?.active ? { email: viewer.email, name: user.name } : null };
      return { ok: true, user };
    },
    async (owner, lock, ip) =>
      tenantLockedOut(tenant, owner, lock, ip, undefined, await recipientLocale(tenant.id, owner.email)),
  );
  if (!outcome.ok) {
    await audit(tenant, viewer, "tenant-user.password-change-refused", {
      why: outcome.refusal ? "throttled" : "wrong",
    });
    throw new InvalidInput(
      outcome.refusal?.message ?? "Your current password is not right. Type it again, or use “Forgot password?”.",
    );
  }
  const passwordHash = await hashPassword(next);
  const ended = await withTenantDb(tenant.id, (db) =>
    db.$transaction(async (tx) => {
      await tx.user.update({ where: { id: viewer.id }, data: { passwordHash } });
      return endTenantSessionsOf(tx, viewer.id, viewer.sessionId ?? null);
    }),
  );
  await audit(tenant, viewer, "tenant-user.password-change", { sessionsEnded: ended });
  return { ended };
}

/** Whether the signed-in user has a password (else they sign in by email link). */
export async function hasPassword(tenant: ResolvedTenant, viewer: TenantUser): Promise<boolean> {
  assertTenantRole(viewer, tenant, "member");
  const user = await withTenantDb(tenant.id, (db) =>
    db.user.findUnique({ where: { id: viewer.id }, select: { passwordHash: true } }),
  );
  return Boolean(user?.passwordHash);
}

// ── change email ────────────────────────────────────────────────────────────────────────────────

/**
 * Asks to change the signed-in user's address: a single-use link (24 hours) goes to the new
 * address and a notice to the old one; nothing changes until the link is used. An address that
 * already has an account here is refused, saying so.
 */
export async function requestEmailChange(
  tenant: ResolvedTenant,
  viewer: TenantUser,
  rawEmail: unknown,
): Promise<{ to: string }> {
  assertTenantRole(viewer, tenant, "member");
  assertOwnAccount(viewer);
  const parsed = email.safeParse(rawEmail);
  if (!parsed.success) throw new InvalidInput("Enter a valid email address, like name@example.com.");
  const to = parsed.data;
  if (to === viewer.email) throw new InvalidInput("That is already your email address here.");
  await refuseLeavingSsoDomain(tenant, viewer.id, viewer.email);
  const refusal = await limitAttempt("email-change", tenantAccount(tenant.id, viewer.email));
  if (refusal) throw new InvalidInput(refusal.message);
  const token = generateToken();
  const link = publicLink(tenant.primaryHost, `/account/email?token=${encodeURIComponent(token)}`);
  const language = await recipientLocale(tenant.id, viewer.email);
  const brand = tenantMailBrand(tenant, publicLink);
  await withTenantMail(tenant.id, (db) =>
    db.$transaction(async (tx) => {
      if (await tx.user.findUnique({ where: { email: to }, select: { id: true } }))
        throw new InvalidInput("That address already belongs to another account on this portal. Choose another one.");
      // A new request withdraws any earlier one.
      await tx.loginToken.updateMany({
        where: { userId: viewer.id, purpose: "email-change", usedAt: null },
        data: { expiresAt: new Date() },
      });
      await tx.loginToken.create({
        data: {
          tokenHash: hashToken(token),
          email: to,
          userId: viewer.id,
          purpose: "email-change",
          expiresAt: new Date(Date.now() + EMAIL_CHANGE_HOURS * 3600_000),
        },
      });
      const common = { fromName: tenant.name, fromAddress: mailFrom(tenant), brand, locale: language };
      await queueTenantMail(tx, [
        {
          ...common,
          to,
          content: { kind: "email-change-confirm", name: viewer.name, newEmail: to, link, hours: EMAIL_CHANGE_HOURS },
        },
        { ...common, to: viewer.email, content: { kind: "email-change-notice", name: viewer.name, newEmail: to } },
      ]);
    }),
  );
  await audit(tenant, viewer, "tenant-user.email-change-request", { from: viewer.email, to });
  return { to };
}

export async function peekEmailChange(
  tenant: ResolvedTenant,
  token: unknown,
): Promise<{ state: "ready"; email: string } | { state: LinkState }> {
  const state = await tokenState(tenant, token, "email-change");
  return state.state === "ready" ? { state: "ready", email: state.email } : state;
}

/**
 * Applies an email change with the link sent to the new address, exactly once. The address may
 * have been taken since it was asked for: then the change is refused, saying so.
 */
export async function confirmEmailChange(
  tenant: ResolvedTenant,
  token: unknown,
): Promise<{ email: string } | { refused: LinkState | "taken" }> {
  const claimed = await claimToken(tenant, token, "email-change");
  if ("refused" in claimed) return claimed;
  const outcome = await withTenantDb(
    tenant.id,
    async (db): Promise<{ from: string } | { refused: "invalid" | "taken" }> => {
      const user = await db.user.findUnique({ where: { id: claimed.userId }, select: { email: true, active: true } });
      if (!user?.active) return { refused: "invalid" as const };
      await refuseLeavingSsoDomain(tenant, claimed.userId, user.email, db);
      try {
        await db.$transaction([
          db.user.update({ where: { id: claimed.userId }, data: { email: claimed.email } }),
          // Links sent to the old address stop working with it.
          db.loginToken.updateMany({
            where: { userId: claimed.userId, purpose: "password-reset", usedAt: null },
            data: { expiresAt: new Date() },
          }),
        ]);
      } catch (error) {
        if ((error as { code?: unknown }).code === "P2002") return { refused: "taken" as const };
        throw error;
      }
      // Moving to an address under "SSO required" keeps no session opened another way: the next
      // sign-in is through single sign-on (docs/decisions/047).
      const required = await ssoRequirementFor(db, claimed.email);
      if (required && required.breakGlassUserId !== claimed.userId) await endTenantSessionsOf(db, claimed.userId);
      return { from: user.email };
    },
  );
  if ("refused" in outcome) return { refused: outcome.refused };
  await audit(tenant, { id: claimed.userId, email: claimed.email }, "tenant-user.email-change", {
    from: outcome.from,
    to: claimed.email,
  });
  return { email: claimed.email };
}

/**
 * An address at a verified domain under "SSO required" is the organisation's: moving the account
 * to another address would take it out of single sign-on and back to a password (decision 047).
 */
async function refuseLeavingSsoDomain(
  tenant: ResolvedTenant,
  userId: string,
  current: string,
  db?: Parameters<typeof ssoRequirementFor>[0],
): Promise<void> {
  const required = db ? await ssoRequirementFor(db, current) : await tenantSsoRequirement(tenant.id, current);
  if (required && required.breakGlassUserId !== userId)
    throw new SsoRequiredRefused(
      `Your address is managed by your organisation, which requires signing in with ${required.provider}: it cannot be changed here. Ask your organisation's administrator.`,
    );
}

// ── sessions ────────────────────────────────────────────────────────────────────────────────────

/** The signed-in user's live sessions, this one marked. */
export function mySessions(tenant: ResolvedTenant, viewer: TenantUser): Promise<ListedSession[]> {
  assertTenantRole(viewer, tenant, "member");
  return tenantSessionsOf(tenant.id, viewer.id, viewer.sessionId ?? null);
}

/**
 * Ends one of the signed-in user's sessions, or all but this one ("others"). The rows are the
 * truth: the ended sessions are refused on their next request, on every instance.
 */
export async function endMySessions(
  tenant: ResolvedTenant,
  viewer: TenantUser,
  which: string,
): Promise<{ ended: number }> {
  assertTenantRole(viewer, tenant, "member");
  assertOwnAccount(viewer);
  const refusal = await limitAttempt("session-end", tenantAccount(tenant.id, viewer.email));
  if (refusal) throw new InvalidInput(refusal.message);
  const ended =
    which === "others"
      ? await withTenantDb(tenant.id, (db) => endTenantSessionsOf(db, viewer.id, viewer.sessionId ?? null))
      : (await endTenantSession(tenant.id, viewer.id, which))
        ? 1
        : 0;
  await audit(tenant, viewer, "tenant-user.session-end", { which: which === "others" ? "others" : which, ended });
  return { ended };
}
