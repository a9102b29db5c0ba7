import "server-only";
import { appendAudit } from "../audit/log.server.ts";
import { requestOrigin } from "../audit/request.server.ts";
import { platform } from "../platform/platform.server.ts";
import { agencyAccount } from "../security/throttle.server.ts";
import { InvalidInput } from "../util/errors.ts";
import type { PendingAgencyUser } from "./agency-guard.server.ts";
import { agencyFactorStore } from "./factor-store.server.ts";
import {
  checkCode,
  proveUnderLockout,
  WRONG_CODE,
  type CodeKind,
  type SecondFactorOutcome,
} from "./factor-step.server.ts";
import { agencyLockedOut } from "./lockouts.server.ts";
import { recoveryCodesLeft, replaceRecoveryCodes } from "./recovery-codes.server.ts";
import { agencyNeedsSecondFactor } from "./second-factor-policy.ts";
import { confirmTotp, hasTotp, removeTotp, startTotpEnrolment, type TotpEnrolment } from "./totp.server.ts";
import { assertAgencyRole, type AgencyUser } from "./verified.ts";

/**
 * The agency's second factors (docs/decisions/046): the tenant's design (decision 045) with the
 * rows in the control plane. Owners and operators must prove an authenticator app (or a recovery
 * code) in every session; one without an app sets it up at the second step. Viewers may add one.
 */

/** Who proves a factor: a half-signed-in session, or a signed-in user on the account page. */
type Prover = Pick<PendingAgencyUser, "id" | "email"> & { sessionId?: string };

const store = () => agencyFactorStore(platform().control);

export interface AgencySecondFactors {
  totp: boolean;
  recoveryCodesLeft: number;
  /** The role requires a factor: the app cannot be removed, only replaced. */
  required: boolean;
}

export async function agencySecondFactorsOf(user: { id: string; role: AgencyUser["role"] }) {
  const [totp, left] = await Promise.all([hasTotp(store(), user.id), recoveryCodesLeft(store(), user.id)]);
  return { totp, recoveryCodesLeft: left, required: agencyNeedsSecondFactor(user.role) } as AgencySecondFactors;
}

async function audit(who: { id: string; email: string }, action: string, details = {}) {
  await appendAudit(platform().control, {
    actor: { type: "agency-user", id: who.id, label: who.email },
    action,
    ...(await requestOrigin()),
    details,
  });
}

/** Marks this session's second factor as done: from now on the guard lets it through. */
async function markDone(who: Prover): Promise<void> {
  if (!who.sessionId) return;
  await platform().control.$executeRaw`
    UPDATE "AgencySession" SET "secondFactorAt" = now()
    WHERE id = ${who.sessionId}::uuid AND "agencyUserId" = ${who.id}::uuid AND "endedAt" IS NULL`;
}

/**
 * Proves an app code or a recovery code for a half-signed-in agency session, under the agency's
 * sign-in lockout: a wrong code counts like a wrong password, a lock mails the account's owner.
 */
export async function proveAgencySecondFactor(
  who: Prover,
  kind: CodeKind,
  input: unknown,
): Promise<SecondFactorOutcome> {
  const outcome = await proveUnderLockout(
    {
      account: agencyAccount(who.email),
      owner: async () => {
        const user = await platform().control.agencyUser.findUnique({
          where: { id: who.id },
          select: { name: true, active: true },
        });
        return user?.active ? { email: who.email, name: user.name } : null;
      },
      onLocked: (owner, lock, ip) => agencyLockedOut(owner, lock, ip),
    },
    () => checkCode(store(), platform().keyring, who.id, kind, input),
    () => WRONG_CODE[kind],
  );
  if (!outcome.ok) {
    await audit(who, "agency-user.second-factor-refused", { kind, why: outcome.refusal ? "throttled" : "wrong" });
    return outcome;
  }
  await markDone(who);
  await audit(who, "agency-user.second-factor", { kind });
  return { ok: true };
}

/** Starts setting up an authenticator app (refused while a confirmed one exists). */
export async function beginAgencyTotp(who: { id: string; email: string }): Promise<TotpEnrolment> {
  return startTotpEnrolment(store(), platform().keyring, who, "Portico agency");
}

/**
 * Confirms the app with its first code and issues ten recovery codes (shown once); it counts as
 * this session's second factor: the person has just proved they hold the app.
 */
export async function finishAgencyTotp(
  who: Prover,
  code: unknown,
): Promise<{ ok: true; recoveryCodes: string[] } | { ok: false; message: string }> {
  const confirmed = await confirmTotp(store(), platform().keyring, who.id, code);
  if (!confirmed.ok) return { ok: false, message: confirmed.reason };
  await markDone(who);
  await audit(who, "agency-user.totp-added");
  return { ok: true, recoveryCodes: confirmed.recoveryCodes };
}

/**
 * Removes the app and its recovery codes, with a current code from it as proof (a signed-in
 * session alone is not enough: a borrowed laptop must not turn the factor off). An owner or
 * operator moving to a new phone sets the new one up at once on the account page, or at their
 * next sign-in, which asks for it.
 */
export async function dropAgencyTotp(user: AgencyUser, code: unknown): Promise<SecondFactorOutcome> {
  assertAgencyRole(user, "viewer");
  const proved = await proveAgencySecondFactor(user, "totp", code);
  if (!proved.ok) return proved;
  await removeTotp(store(), user.id);
  await platform().control.agencyRecoveryCode.deleteMany({ where: { agencyUserId: user.id } });
  await audit(user, "agency-user.totp-removed");
  return { ok: true };
}

/** Ten new recovery codes (the old ones stop working), with a current app code as proof. */
export async function newAgencyRecoveryCodes(
  user: AgencyUser,
  code: unknown,
): Promise<{ ok: true; recoveryCodes: string[] } | { ok: false; message: string }> {
  assertAgencyRole(user, "viewer");
  if (!(await hasTotp(store(), user.id)))
    throw new InvalidInput("Set up an authenticator app first: recovery codes stand in for it.");
  const proved = await proveAgencySecondFactor(user, "totp", code);
  if (!proved.ok) return proved;
  const codes = await replaceRecoveryCodes(store(), user.id);
  await audit(user, "agency-user.recovery-codes-replaced");
  return { ok: true, recoveryCodes: codes };
}
