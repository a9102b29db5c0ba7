import "server-only";
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { ConfigError } from "../util/errors.ts";

/**
 * Secrets at rest in the control plane (tenant role passwords, server admin URLs):
 * AES-256-GCM, a fresh 96-bit IV per value, and the key id stored beside each ciphertext
 * so keys can be rotated without a flag day (docs/decisions/004).
 */

export interface Keyring {
  currentId: string;
  keys: ReadonlyMap<string, Buffer>;
}

/**
 * The current key seals; it and any previous keys (`id:base64,id:base64`, from
 * PORTICO_PREVIOUS_SECRET_KEYS) unseal, so secrets can be re-sealed after a rotation.
 */
export function keyringFrom(secretKeyBase64: string, keyId: string, previous = ""): Keyring {
  const decode = (value: string, what: string) => {
    const key = Buffer.from(value, "base64");
    if (key.length !== 32) throw new ConfigError(`${what} must be 32 bytes, base64-encoded`);
    return key;
  };
  const keys = new Map<string, Buffer>();
  for (const entry of previous
    .split(",")
    .map((e) => e.trim())
    .filter(Boolean)) {
    const colon = entry.indexOf(":");
    if (colon < 1) throw new ConfigError("PORTICO_PREVIOUS_SECRET_KEYS must look like k1:<base64>,k0:<base64>");
    keys.set(
      entry.slice(0, colon),
      decode(entry.slice(colon + 1), `PORTICO_PREVIOUS_SECRET_KEYS (key "${entry.slice(0, colon)}")`),
    );
  }
  keys.set(keyId, decode(secretKeyBase64, "PORTICO_SECRET_KEY"));
  return { currentId: keyId, keys };
}

export interface Sealed {
  ciphertext: string;
  keyId: string;
}

export function seal(plaintext: string, keyring: Keyring): Sealed {
  const key = keyring.keys.get(keyring.currentId);
  if (!key) throw new ConfigError(`no key loaded for key id "${keyring.currentId}"`);
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return { ciphertext: Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64"), keyId: keyring.currentId };
}

export function unseal(sealed: Sealed, keyring: Keyring): string {
  const key = keyring.keys.get(sealed.keyId);
  if (!key) throw new ConfigError(`secret was sealed with key "${sealed.keyId}", which is not loaded`);
  const raw = Buffer.from(sealed.ciphertext, "base64");
  const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
}

/** A password for a tenant role: 192 bits, hex, so it is also a safe SQL literal. */
export function generatePassword(): string {
  return randomBytes(24).toString("hex");
}
