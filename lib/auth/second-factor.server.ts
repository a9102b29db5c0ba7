import "server-only";
import { appendAudit } from "../audit/log.server.ts";
import { requestOrigin } from "../audit/request.server.ts";
import { recordTrailQuietly } from "../platform/record-trail.server.ts";
import { platform } from "../platform/platform.server.ts";
import { withTenantDb } from "../platform/with-tenant-db.server.ts";
import { tenantAccount } from "../security/throttle.server.ts";
import type { ResolvedTenant } from "../tenancy/resolver.ts";
import { InvalidInput } from "../util/errors.ts";
import { tenantFactorStore } from "./factor-store.server.ts";
import {
  checkCode,
  proveUnderLockout,
  WRONG_CODE,
  type CodeKind,
  type SecondFactorOutcome,
} from "./factor-step.server.ts";
import { tenantLockedOut } from "./lockouts.server.ts";
import {
  checkPasskey,
  listPasskeys,
  passkeyRegistrationOptions,
  passkeySignInOptions,
  registerPasskey,
  relyingParty,
  removePasskey,
} from "./passkeys.server.ts";
import { recipientLocale } from "./recipient-locale.server.ts";
import { recoveryCodesLeft, replaceRecoveryCodes } from "./recovery-codes.server.ts";
import { confirmTotp, hasTotp, removeTotp, startTotpEnrolment, type TotpEnrolment } from "./totp.server.ts";
import type { PendingTenantUser } from "./tenant-guard.server.ts";
import { assertTenantRole, type TenantUser } from "./verified.ts";
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from "@simplewebauthn/server";

/**
 * The second step of a tenant sign-in and the second factors of the account page
 * (docs/decisions/045). A session whose user must use a second factor is "half signed in" until
 * one of these succeeds: the guard sends it here and nowhere else. Wrong codes count against the
 * same lockout as wrong passwords, so a stolen password buys at most a handful of guesses.
 */

/** Who a second factor is being proved for: a half-signed-in session, or a signed-in user (the account page). */
type Prover = Pick<PendingTenantUser, "id" | "email" | "sessionId">;

export interface SecondFactors {
  totp: boolean;
  passkeys: Array<{ id: string; name: string; createdAt: Date; lastUsedAt: Date | null }>;
  recoveryCodesLeft: number;
}

export async function secondFactorsOf(tenantId: string, userId: string): Promise<SecondFactors> {
  return withTenantDb(tenantId, async (db) => {
    const [totp, passkeys, left] = await Promise.all([
      hasTotp(db, userId),
      listPasskeys(db, userId),
      recoveryCodesLeft(db, userId),
    ]);
    return { totp, passkeys, recoveryCodesLeft: left };
  });
}

async function audit(tenant: { id: string }, who: { id: string; email: string }, action: string, details = {}) {
  await appendAudit(platform().control, {
    actor: { type: "tenant-user", id: who.id, label: who.email },
    action,
    tenantId: tenant.id,
    ...(await requestOrigin()),
    details,
  });
  // The tenant's own trail too (decision 048): "auth.second-factor-refused" and the like.
  await recordTrailQuietly(tenant.id, {
    actor: { type: "member", personEmail: who.email, label: "member" },
    action: action.replace(/^tenant-user\./, "auth."),
    details,
  });
}

/** Marks this session's second factor as done: from now on the guard lets it through. */
async function markDone(tenant: { id: string }, who: Prover): Promise<void> {
  await withTenantDb(
    tenant.id,
    (db) => db.$executeRaw`
      UPDATE "UserSession" SET "secondFactorAt" = now()
      WHERE id = ${who.sessionId}::uuid AND "userId" = ${who.id}::uuid AND "endedAt" IS NULL`,
  );
}

export type SecondFactorKind = CodeKind | "passkey";

export type { SecondFactorOutcome };

/**
 * Proves a second factor for `who` under the sign-in lockout: a wrong code counts like a wrong
 * password (and a lock mails the owner), a right one clears the count and completes the session.
 */
export async function proveSecondFactor(
  tenant: ResolvedTenant,
  who: Prover,
  kind: SecondFactorKind,
  input: unknown,
  origin?: string,
): Promise<SecondFactorOutcome> {
  const outcome = await proveUnderLockout(
    {
      account: tenantAccount(tenant.id, who.email),
      owner: async () => {
        const user = await withTenantDb(tenant.id, (db) =>
          db.user.findUnique({ where: { id: who.id }, select: { name: true, active: true } }),
        );
        return user?.active ? { email: who.email, name: user.name } : null;
      },
      onLocked: async (owner, lock, ip) =>
        tenantLockedOut(tenant, owner, lock, ip, undefined, await recipientLocale(tenant.id, owner.email)),
    },
    () =>
      withTenantDb(tenant.id, async (db) => {
        if (kind !== "passkey") return checkCode(tenantFactorStore(db), platform().keyring, who.id, kind, input);
        const checked = await checkPasskey(
          db,
          relyingParty(tenant.name, origin ?? ""),
          who.id,
          input as AuthenticationResponseJSON,
        );
        return checked.ok ? { ok: true } : { ok: false, reason: checked.reason };
      }),
    (reason) => (kind === "passkey" ? reason || "That passkey did not work. Try again." : WRONG_CODE[kind]),
  );
  if (!outcome.ok) {
    await audit(tenant, who, "tenant-user.second-factor-refused", {
      kind,
      why: outcome.refusal ? "throttled" : "wrong",
    });
    return outcome;
  }
  await markDone(tenant, who);
  await audit(tenant, who, "tenant-user.second-factor", { kind });
  return { ok: true };
}

/** The challenge for a passkey sign-in step (null when the user has none). */
export async function passkeyChallenge(tenant: ResolvedTenant, who: Prover, origin: string) {
  return withTenantDb(tenant.id, (db) => passkeySignInOptions(db, relyingParty(tenant.name, origin), who.id));
}

// ── enrolment (the account page, or the sign-in step when the portal requires a factor the user lacks) ──

function assertOwn(user: TenantUser | PendingTenantUser): void {
  if ("impersonation" in user && user.impersonation)
    throw new InvalidInput("While the agency views the portal as this person, their sign-in methods stay theirs.");
}

export async function beginTotp(tenant: ResolvedTenant, who: TenantUser | PendingTenantUser): Promise<TotpEnrolment> {
  assertOwn(who);
  return withTenantDb(tenant.id, (db) =>
    startTotpEnrolment(db, platform().keyring, { id: who.id, email: who.email }, tenant.name),
  );
}

/**
 * Confirms the app with its first code, issues ten recovery codes (shown once), and counts as
 * this session's second factor: the person has just proved they hold the app.
 */
export async function finishTotp(
  tenant: ResolvedTenant,
  who: TenantUser | PendingTenantUser,
  code: unknown,
): Promise<{ ok: true; recoveryCodes: string[] } | { ok: false; message: string }> {
  assertOwn(who);
  const confirmed = await withTenantDb(tenant.id, (db) => confirmTotp(db, platform().keyring, who.id, code));
  if (!confirmed.ok) return { ok: false, message: confirmed.reason };
  if (who.sessionId) await markDone(tenant, { id: who.id, email: who.email, sessionId: who.sessionId });
  await audit(tenant, who, "tenant-user.totp-added");
  return { ok: true, recoveryCodes: confirmed.recoveryCodes };
}

/** Whether removing a factor would leave a user whose portal requires one with none. */
async function wouldLeaveNone(tenant: ResolvedTenant, user: TenantUser, removing: "totp" | string) {
  const factors = await secondFactorsOf(tenant.id, user.id);
  const left =
    (removing === "totp" ? 0 : Number(factors.totp)) + factors.passkeys.filter((p) => p.id !== removing).length;
  return left === 0;
}

export async function dropTotp(tenant: ResolvedTenant, user: TenantUser, required: boolean): Promise<void> {
  assertTenantRole(user, tenant, "member");
  assertOwn(user);
  if (required && (await wouldLeaveNone(tenant, user, "totp")))
    throw new InvalidInput(
      "This portal requires a second factor for your account. Add a passkey before removing the authenticator app.",
    );
  await withTenantDb(tenant.id, (db) => removeTotp(db, user.id));
  await audit(tenant, user, "tenant-user.totp-removed");
}

export async function newRecoveryCodes(tenant: ResolvedTenant, user: TenantUser): Promise<string[]> {
  assertTenantRole(user, tenant, "member");
  assertOwn(user);
  const factors = await secondFactorsOf(tenant.id, user.id);
  if (!factors.totp && factors.passkeys.length === 0)
    throw new InvalidInput("Set up an authenticator app or a passkey first: recovery codes stand in for them.");
  const codes = await withTenantDb(tenant.id, (db) => replaceRecoveryCodes(db, user.id));
  await audit(tenant, user, "tenant-user.recovery-codes-replaced");
  return codes;
}

export async function passkeyEnrolmentOptions(tenant: ResolvedTenant, user: TenantUser, origin: string) {
  assertTenantRole(user, tenant, "member");
  assertOwn(user);
  return withTenantDb(tenant.id, (db) => passkeyRegistrationOptions(db, relyingParty(tenant.name, origin), user));
}

export async function addPasskey(
  tenant: ResolvedTenant,
  user: TenantUser,
  origin: string,
  response: RegistrationResponseJSON,
  name: string,
): Promise<{ ok: true } | { ok: false; message: string }> {
  assertTenantRole(user, tenant, "member");
  assertOwn(user);
  const added = await withTenantDb(tenant.id, (db) =>
    registerPasskey(db, relyingParty(tenant.name, origin), user.id, response, name),
  );
  if (!added.ok) return { ok: false, message: added.reason };
  await audit(tenant, user, "tenant-user.passkey-added", { name: name.trim().slice(0, 80) || "Passkey" });
  return { ok: true };
}

export async function dropPasskey(tenant: ResolvedTenant, user: TenantUser, id: string, required: boolean) {
  assertTenantRole(user, tenant, "member");
  assertOwn(user);
  if (required && (await wouldLeaveNone(tenant, user, id)))
    throw new InvalidInput(
      "This portal requires a second factor for your account. Add another passkey or an authenticator app first.",
    );
  const removed = await withTenantDb(tenant.id, (db) => removePasskey(db, user.id, id));
  if (!removed) throw new InvalidInput("That passkey is not one of yours. Reload the page to see your passkeys.");
  await audit(tenant, user, "tenant-user.passkey-removed");
}
