import "server-only";
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from "@simplewebauthn/server";
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from "@simplewebauthn/server";
import type { TenantDb } from "../db/tenant-db.server.ts";
import { InvalidInput } from "../util/errors.ts";

/**
 * Passkeys (WebAuthn) as a second factor (docs/decisions/045), scoped to the portal's host: the
 * relying party id is the host the user is on, so a passkey made on one tenant's portal is
 * offered to, and valid on, that host only. Challenges are stored in the tenant's database and
 * consumed by the response that signs them, so every instance can finish a ceremony another began
 * and no response counts twice.
 */

/** Where a ceremony happens: the portal's name, host (the relying party id) and origin. */
export interface RelyingParty {
  name: string;
  /** The host without a port, e.g. acme.localhost or events.acme.com. */
  id: string;
  /** The exact origin the browser reports, e.g. https://events.acme.com. */
  origin: string;
}

/** The relying party for a request on `origin` (from the verified Host, never from the body). */
export function relyingParty(name: string, origin: string): RelyingParty {
  return { name, id: new URL(origin).hostname, origin };
}

const CHALLENGE_TTL_MS = 5 * 60_000;
const MAX_PASSKEYS = 10;

type Purpose = "register" | "sign-in";

async function rememberChallenge(db: TenantDb, userId: string, purpose: Purpose, challenge: string) {
  await db.$transaction([
    // Expired challenges go as new ones come: the table stays as small as the ceremonies in flight.
    db.webAuthnChallenge.deleteMany({ where: { expiresAt: { lt: new Date() } } }),
    db.webAuthnChallenge.create({
      data: { challenge, userId, purpose, expiresAt: new Date(Date.now() + CHALLENGE_TTL_MS) },
    }),
  ]);
}

/** Consumes the challenge the response claims to sign, if this portal issued it to this user for this purpose. */
async function takeChallenge(db: TenantDb, userId: string, purpose: Purpose, challenge: string): Promise<boolean> {
  const taken = await db.webAuthnChallenge.deleteMany({
    where: { challenge, userId, purpose, expiresAt: { gt: new Date() } },
  });
  return taken.count === 1;
}

/** The challenge inside a response's clientDataJSON (checked again by the library). */
function challengeOf(response: { response?: { clientDataJSON?: unknown } }): string | null {
  const raw = response.response?.clientDataJSON;
  if (typeof raw !== "string" || raw.length > 4096) return null;
  try {
    const parsed = JSON.parse(Buffer.from(raw, "base64url").toString("utf8")) as { challenge?: unknown };
    return typeof parsed.challenge === "string" && parsed.challenge.length <= 128 ? parsed.challenge : null;
  } catch {
    return null;
  }
}

const transportsOf = (row: { transports: string }) => (row.transports ? row.transports.split(",") : undefined);

export async function passkeyRegistrationOptions(
  db: TenantDb,
  rp: RelyingParty,
  user: { id: string; email: string; name: string },
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const existing = await db.passkey.findMany({ where: { userId: user.id }, select: { id: true, transports: true } });
  if (existing.length >= MAX_PASSKEYS)
    throw new InvalidInput(`You have ${MAX_PASSKEYS} passkeys, the most allowed. Remove one to add another.`);
  const options = await generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: user.email,
    userDisplayName: user.name,
    userID: new TextEncoder().encode(user.id),
    attestationType: "none",
    excludeCredentials: existing.map((p) => ({ id: p.id, transports: transportsOf(p) })),
    authenticatorSelection: { residentKey: "preferred", userVerification: "required" },
  });
  await rememberChallenge(db, user.id, "register", options.challenge);
  return options;
}

/** Verifies a new passkey's registration and stores its public key under `name`. */
export async function registerPasskey(
  db: TenantDb,
  rp: RelyingParty,
  userId: string,
  response: RegistrationResponseJSON,
  name: string,
): Promise<{ ok: true; id: string } | { ok: false; reason: string }> {
  const challenge = challengeOf(response);
  if (!challenge || !(await takeChallenge(db, userId, "register", challenge)))
    return { ok: false, reason: "This passkey request expired or was already used. Start again." };
  let verified;
  try {
    verified = await verifyRegistrationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: true,
    });
  } catch (error) {
    return { ok: false, reason: `The passkey could not be verified: ${(error as Error).message}` };
  }
  if (!verified.verified) return { ok: false, reason: "The passkey could not be verified. Try again." };
  const { credential } = verified.registrationInfo;
  await db.passkey.create({
    data: {
      id: credential.id,
      userId,
      publicKey: Buffer.from(credential.publicKey),
      counter: BigInt(credential.counter),
      transports: (credential.transports ?? []).join(","),
      name: name.trim().slice(0, 80) || "Passkey",
    },
  });
  return { ok: true, id: credential.id };
}

export async function passkeySignInOptions(
  db: TenantDb,
  rp: RelyingParty,
  userId: string,
): Promise<PublicKeyCredentialRequestOptionsJSON | null> {
  const passkeys = await db.passkey.findMany({ where: { userId }, select: { id: true, transports: true } });
  if (passkeys.length === 0) return null;
  const options = await generateAuthenticationOptions({
    rpID: rp.id,
    allowCredentials: passkeys.map((p) => ({ id: p.id, transports: transportsOf(p) })),
    userVerification: "required",
  });
  await rememberChallenge(db, userId, "sign-in", options.challenge);
  return options;
}

/** The second step of a sign-in with one of the user's own passkeys; the signature counter must move on. */
export async function checkPasskey(
  db: TenantDb,
  rp: RelyingParty,
  userId: string,
  response: AuthenticationResponseJSON,
): Promise<{ ok: true } | { ok: false; reason: string }> {
  const challenge = challengeOf(response);
  if (!challenge || !(await takeChallenge(db, userId, "sign-in", challenge)))
    return { ok: false, reason: "This sign-in request expired or was already used. Start again." };
  const passkey = await db.passkey.findFirst({ where: { id: response.id, userId } });
  if (!passkey) return { ok: false, reason: "That passkey is not one of yours on this portal." };
  let verified;
  try {
    verified = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: true,
      credential: {
        id: passkey.id,
        publicKey: new Uint8Array(passkey.publicKey),
        counter: Number(passkey.counter),
        transports: transportsOf(passkey) as never,
      },
    });
  } catch (error) {
    return { ok: false, reason: `The passkey could not be verified: ${(error as Error).message}` };
  }
  if (!verified.verified) return { ok: false, reason: "The passkey could not be verified. Try again." };
  await db.passkey.update({
    where: { id: passkey.id },
    data: { counter: BigInt(verified.authenticationInfo.newCounter), lastUsedAt: new Date() },
  });
  return { ok: true };
}

export function listPasskeys(db: TenantDb, userId: string) {
  return db.passkey.findMany({
    where: { userId },
    select: { id: true, name: true, createdAt: true, lastUsedAt: true },
    orderBy: { createdAt: "asc" },
  });
}

export async function removePasskey(db: TenantDb, userId: string, id: string): Promise<boolean> {
  return (await db.passkey.deleteMany({ where: { userId, id } })).count === 1;
}
