import "server-only";
import { createHash, hkdfSync, randomBytes } from "node:crypto";
import { hash, verify } from "@node-rs/argon2";

// OWASP's argon2id baseline: 19 MiB, 2 iterations, 1 lane. (2 = Algorithm.Argon2id; the enum is
// a const enum, which isolated modules cannot import.)
const ARGON2 = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 200;

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2);
}

/** Always does the work of one verification, so a missing account takes as long as a wrong password. */
export async function verifyPassword(hashed: string | null | undefined, password: string): Promise<boolean> {
  if (!hashed) {
    await hash(password, ARGON2);
    return false;
  }
  try {
    return await verify(hashed, password);
  } catch {
    return false;
  }
}

/** A single-use token for an email link: 256 bits, URL-safe. Only its hash is stored. */
export function generateToken(): string {
  return randomBytes(32).toString("base64url");
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/**
 * The secret a realm's session tokens are sealed with, derived from PORTICO_SECRET_KEY. Each
 * tenant gets its own, so a session minted on tenant A does not even decrypt on tenant B.
 */
export function deriveSessionSecret(secretKeyBase64: string, realm: string): string {
  const ikm = Buffer.from(secretKeyBase64, "base64");
  return Buffer.from(hkdfSync("sha256", ikm, Buffer.alloc(0), `portico session ${realm}`, 32)).toString("base64");
}
