import "server-only";
import { generateSecret, generateURI, verify } from "otplib";
import type pg from "pg";
import QRCode from "qrcode";
import { seal, unseal, type Keyring } from "../db/keyring.server.ts";
import { InvalidInput } from "../util/errors.ts";
import { factorStore, type Factors } from "./factor-store.server.ts";
import { replaceRecoveryCodes } from "./recovery-codes.server.ts";

/**
 * Authenticator-app codes (TOTP, RFC 6238) as a second factor (docs/decisions/045). The secret is
 * sealed with the platform keyring like database credentials; it is shown once, as a QR code and
 * as text, while the user enrols, and only counts once a first code confirms the app has it.
 */

/** One step either side of now: phone clocks drift and people type slowly. */
const TOLERANCE_SECONDS = 30;

export interface TotpEnrolment {
  /** Base32, for typing into an app that cannot scan. */
  secret: string;
  /** The otpauth:// URI the QR code encodes. */
  uri: string;
  /** The QR code as an SVG document. */
  qrSvg: string;
}

/** A code as typed: digits only, spaces allowed ("123 456"). */
function normaliseCode(code: unknown): string | null {
  if (typeof code !== "string") return null;
  const digits = code.replace(/\s+/g, "");
  return /^\d{6}$/.test(digits) ? digits : null;
}

/**
 * Starts (or restarts) enrolment: a fresh secret, unconfirmed until confirmTotp. Refused while a
 * confirmed app exists, so a session cannot silently swap the user's app for an attacker's.
 */
export async function startTotpEnrolment(
  db: Factors,
  keyring: Keyring,
  user: { id: string; email: string },
  issuer: string,
): Promise<TotpEnrolment> {
  const store = factorStore(db);
  const existing = await store.readTotp(user.id);
  if (existing?.confirmedAt)
    throw new InvalidInput("An authenticator app is already set up. Remove it first to set up another.");
  const secret = generateSecret();
  await store.saveTotp(user.id, seal(secret, keyring));
  const uri = generateURI({ issuer, label: user.email, secret });
  const qrSvg = await QRCode.toString(uri, { type: "svg", margin: 1, errorCorrectionLevel: "M" });
  return { secret, uri, qrSvg };
}

export type TotpCheck = { ok: true } | { ok: false; reason: string };

/** Verifies `code` against the stored secret and records its time step, atomically: a code counts once. */
async function acceptCode(db: Factors, keyring: Keyring, userId: string, code: unknown, confirmed: boolean) {
  const store = factorStore(db);
  const digits = normaliseCode(code);
  if (!digits) return { ok: false, reason: "Enter the 6-digit code your authenticator app shows." } as const;
  const row = await store.readTotp(userId);
  if (!row || Boolean(row.confirmedAt) !== confirmed)
    return {
      ok: false,
      reason: confirmed ? "No authenticator app is set up." : "Start setting up an authenticator app first.",
    } as const;
  const secret = unseal({ ciphertext: row.secretCiphertext, keyId: row.keyId }, keyring);
  const result = await verify({
    secret,
    token: digits,
    epochTolerance: TOLERANCE_SECONDS,
    ...(row.lastUsedStep !== null ? { afterTimeStep: Number(row.lastUsedStep) } : {}),
  });
  if (!result.valid || !("timeStep" in result))
    return { ok: false, reason: "That code is not right, or was already used. Try the next one." } as const;
  // Two requests with the same code at once: only the one that moves the step forward counts.
  return (await store.advanceTotp(userId, BigInt(result.timeStep)))
    ? ({ ok: true } as const)
    : ({ ok: false, reason: "That code was already used. Wait for the next one." } as const);
}

/**
 * Confirms enrolment with the first code from the app, and issues the user's recovery codes
 * (replacing any earlier ones): shown once, stored only as hashes.
 */
export async function confirmTotp(
  db: Factors,
  keyring: Keyring,
  userId: string,
  code: unknown,
): Promise<{ ok: true; recoveryCodes: string[] } | { ok: false; reason: string }> {
  const accepted = await acceptCode(db, keyring, userId, code, false);
  if (!accepted.ok) return accepted;
  return { ok: true, recoveryCodes: await replaceRecoveryCodes(db, userId) };
}

/** The second step of a sign-in: a code from the user's confirmed app. */
export function checkTotp(db: Factors, keyring: Keyring, userId: string, code: unknown): Promise<TotpCheck> {
  return acceptCode(db, keyring, userId, code, true);
}

export async function hasTotp(db: Factors, userId: string): Promise<boolean> {
  const row = await factorStore(db).readTotp(userId);
  return Boolean(row?.confirmedAt);
}

/** Removes the app (the caller has checked the user may: a fresh second factor or an admin reset). */
export async function removeTotp(db: Factors, userId: string): Promise<void> {
  await factorStore(db).removeTotp(userId);
}

/**
 * After a key rotation: re-seals a tenant's authenticator-app secrets under the current key, over
 * a connection to its database (lib/lifecycle/role-credentials.server.ts runs it for every
 * tenant, beside the SSO secrets). Only the ciphertext and its key id change: confirmation and
 * the last used step stay, so the app keeps working and a used code stays used.
 */
export async function resealTotpSecrets(client: Pick<pg.Client, "query">, keyring: Keyring): Promise<number> {
  const { rows } = await client.query<{ userId: string; secretCiphertext: string; keyId: string }>(
    `SELECT "userId", "secretCiphertext", "keyId" FROM "UserTotp" WHERE "keyId" <> $1`,
    [keyring.currentId],
  );
  for (const row of rows) {
    const sealed = seal(unseal({ ciphertext: row.secretCiphertext, keyId: row.keyId }, keyring), keyring);
    // Only the row as read: an enrolment restarted meanwhile has sealed its new secret already.
    await client.query(
      `UPDATE "UserTotp" SET "secretCiphertext" = $1, "keyId" = $2 WHERE "userId" = $3 AND "secretCiphertext" = $4`,
      [sealed.ciphertext, sealed.keyId, row.userId, row.secretCiphertext],
    );
  }
  return rows.length;
}
