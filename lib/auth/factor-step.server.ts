import "server-only";
import type { Keyring } from "../db/keyring.server.ts";
import type { Refusal, SignInLock } from "../security/throttle.server.ts";
import type { FactorStore } from "./factor-store.server.ts";
import { guardedPasswordCheck } from "./lockouts.server.ts";
import { useRecoveryCode as spendRecoveryCode } from "./recovery-codes.server.ts";
import { checkTotp } from "./totp.server.ts";

/**
 * The part of a sign-in's second step both realms share (docs/decisions/045, 046): a code checked
 * under the same lockout as passwords, so a wrong code counts like a wrong password, a lock mails
 * the account's owner, and a right code clears the count.
 */

export type CodeKind = "totp" | "recovery-code";

export type SecondFactorOutcome = { ok: true } | { ok: false; message: string; refusal?: Refusal };

export const WRONG_CODE: Record<CodeKind, string> = {
  totp: "That code is not right, or was already used. Wait for the next one and try again.",
  "recovery-code": "That recovery code is not right or was already used. Each code works once.",
};

/** Checks an app code (replays refused) or uses a recovery code (once). */
export async function checkCode(
  store: FactorStore,
  keyring: Keyring,
  userId: string,
  kind: CodeKind,
  input: unknown,
): Promise<{ ok: boolean; reason?: string }> {
  if (kind === "recovery-code") return { ok: await spendRecoveryCode(store, userId, input) };
  const checked = await checkTotp(store, keyring, userId, input);
  return checked.ok ? { ok: true } : { ok: false, reason: checked.reason };
}

export interface LockoutAccount {
  /** The throttle's key of the account (tenantAccount or agencyAccount). */
  account: string;
  /** The active user to tell of a lock, or null. */
  owner: () => Promise<{ email: string; name: string } | null>;
  onLocked: (owner: { email: string; name: string }, lock: SignInLock, ip: string) => Promise<void>;
}

/** Runs `check` under the account's lockout; `wrong` words a wrong answer from the check's reason. */
export async function proveUnderLockout(
  who: LockoutAccount,
  check: () => Promise<{ ok: boolean; reason?: string }>,
  wrong: (reason: string) => string,
): Promise<SecondFactorOutcome> {
  let reason = "";
  const outcome = await guardedPasswordCheck(
    who.account,
    async () => {
      const checked = await check();
      if (checked.ok) return { ok: true, user: null };
      reason = checked.reason ?? "";
      return { ok: false, owner: await who.owner() };
    },
    who.onLocked,
  );
  if (outcome.ok) return { ok: true };
  if (outcome.refusal) return { ok: false, message: outcome.refusal.message, refusal: outcome.refusal };
  return { ok: false, message: wrong(reason) };
}
