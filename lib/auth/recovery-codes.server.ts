import "server-only";
import { createHash, randomBytes } from "node:crypto";
import { factorStore, type Factors } from "./factor-store.server.ts";

/**
 * Ten single-use recovery codes per user, for when the authenticator app or passkey is lost
 * (docs/decisions/045). Each has 80 random bits, so a plain SHA-256 is enough to store it: the
 * code cannot be guessed from its hash, and checking one does not need a slow password hash.
 */

export const RECOVERY_CODES = 10;

/** Crockford's base32 alphabet: no I, L, O or U, so a code read aloud or retyped survives. */
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

function newCode(): string {
  const bytes = randomBytes(10);
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out.match(/.{4}/g)!.join("-");
}

/** A code as typed: case, spaces and dashes do not matter; the letters people confuse map back. */
export function normaliseRecoveryCode(input: string): string {
  return input
    .toLowerCase()
    .replace(/[\s-]+/g, "")
    .replace(/[il]/g, "1")
    .replace(/o/g, "0");
}

export function hashRecoveryCode(code: string): string {
  return createHash("sha256").update(normaliseRecoveryCode(code), "utf8").digest("hex");
}

/** Replaces every recovery code of the user with ten new ones, returned once for display. */
export async function replaceRecoveryCodes(db: Factors, userId: string): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODES }, newCode);
  await factorStore(db).replaceRecoveryCodes(userId, codes.map(hashRecoveryCode));
  return codes;
}

/** Uses one code: true once per code, and only for its own user. */
export async function useRecoveryCode(db: Factors, userId: string, input: unknown): Promise<boolean> {
  if (typeof input !== "string" || input.length > 64) return false;
  const normalised = normaliseRecoveryCode(input);
  if (!/^[0-9a-hjkmnp-tv-z]{16}$/.test(normalised)) return false;
  return factorStore(db).useRecoveryCode(userId, hashRecoveryCode(normalised));
}

export async function recoveryCodesLeft(db: Factors, userId: string): Promise<number> {
  return factorStore(db).recoveryCodesLeft(userId);
}
