import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { generatePassword, keyringFrom, seal, unseal } from "./keyring.server.ts";

const keyring = keyringFrom(randomBytes(32).toString("base64"), "k1");

describe("sealed secrets", () => {
  it("round-trip and record the key id", () => {
    const sealed = seal("s3cret", keyring);
    expect(sealed.keyId).toBe("k1");
    expect(sealed.ciphertext).not.toContain("s3cret");
    expect(unseal(sealed, keyring)).toBe("s3cret");
  });

  it("use a fresh IV every time", () => {
    expect(seal("same", keyring).ciphertext).not.toBe(seal("same", keyring).ciphertext);
  });

  it("detect tampering", () => {
    const sealed = seal("s3cret", keyring);
    const bytes = Buffer.from(sealed.ciphertext, "base64");
    bytes[bytes.length - 1]! ^= 1;
    expect(() => unseal({ ...sealed, ciphertext: bytes.toString("base64") }, keyring)).toThrow();
  });

  it("refuse a secret sealed with a key that is not loaded", () => {
    const other = keyringFrom(randomBytes(32).toString("base64"), "k2");
    expect(() => unseal(seal("x", other), keyring)).toThrow(/sealed with key "k2"/);
  });

  it("generate 192-bit hex passwords", () => {
    expect(generatePassword()).toMatch(/^[0-9a-f]{48}$/);
  });
});
