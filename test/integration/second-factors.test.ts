import { generate } from "otplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  passkeyRegistrationOptions,
  passkeySignInOptions,
  checkPasskey,
  relyingParty,
} from "../../lib/auth/passkeys.server.ts";
import { recoveryCodesLeft, useRecoveryCode } from "../../lib/auth/recovery-codes.server.ts";
import { checkTotp, confirmTotp, hasTotp, startTotpEnrolment } from "../../lib/auth/totp.server.ts";
import { unseal } from "../../lib/db/keyring.server.ts";
import type { PooledClient } from "../../lib/db/client-cache.ts";
import type { TenantDb } from "../../lib/db/tenant-db.server.ts";
import { provisionTenant } from "../../lib/provisioning/provision.server.ts";
import { parseTenantSpec } from "../../lib/provisioning/spec.ts";
import { FALLBACK_THEME } from "../../lib/tenancy/theme.ts";
import { openTenantDb, testControlPlane, type TestControlPlane } from "../support/databases.ts";

/**
 * Second factors on a real tenant database (docs/decisions/045): authenticator-app codes count
 * once, recovery codes once each and only for their own user, and a passkey ceremony answers only
 * a challenge this portal issued to that user, once. Codes are made the way an authenticator app
 * makes them, from the secret the enrolment showed.
 */
let cp: TestControlPlane;
let pooled: PooledClient<TenantDb>;
let db: TenantDb;

async function user(email: string) {
  const row = await db.user.create({ data: { email, name: email.split("@")[0]!, role: "member", passwordHash: "x" } });
  return { id: row.id, email: row.email, name: row.name };
}

/** The code an app shows `offset` steps from now. */
const code = (secret: string, offset = 0) => generate({ secret, epoch: Math.floor(Date.now() / 1000) + offset * 30 });

beforeAll(async () => {
  cp = await testControlPlane();
  const slug = cp.slug("mfa");
  const { tenantId } = await provisionTenant(
    cp.deps,
    parseTenantSpec({ slug, name: "Mfa Co", theme: FALLBACK_THEME }),
    {
      mode: "create",
      seed: false,
    },
  );
  pooled = await openTenantDb(cp, tenantId, "second-factors-test");
  db = pooled.client;
});

afterAll(async () => {
  await pooled?.close();
  await cp?.cleanup();
});

describe("an authenticator app", () => {
  it("enrols with a QR code, counts only after a first good code, and stores its secret sealed", async () => {
    const ann = await user("ann@mfa.example");
    const enrolment = await startTotpEnrolment(db, cp.deps.keyring, ann, "Mfa Co");
    expect(enrolment.uri).toMatch(/^otpauth:\/\/totp\/Mfa%20Co:ann%40mfa\.example\?/);
    expect(enrolment.uri).toContain(`secret=${enrolment.secret}`);
    expect(enrolment.qrSvg).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
    // Sealed at rest: the row holds no trace of the secret, and unseals to it with the keyring.
    const row = await db.userTotp.findUniqueOrThrow({ where: { userId: ann.id } });
    expect(row.secretCiphertext).not.toContain(enrolment.secret);
    expect(unseal({ ciphertext: row.secretCiphertext, keyId: row.keyId }, cp.deps.keyring)).toBe(enrolment.secret);

    // Not a second factor yet: a sign-in code is refused until enrolment is confirmed.
    expect(await hasTotp(db, ann.id)).toBe(false);
    expect(await checkTotp(db, cp.deps.keyring, ann.id, await code(enrolment.secret))).toMatchObject({ ok: false });
    expect(await confirmTotp(db, cp.deps.keyring, ann.id, "000000")).toMatchObject({ ok: false });
    const confirmed = await confirmTotp(db, cp.deps.keyring, ann.id, await code(enrolment.secret));
    expect(confirmed.ok).toBe(true);
    expect(await hasTotp(db, ann.id)).toBe(true);
    // A confirmed app cannot be swapped by starting over.
    await expect(startTotpEnrolment(db, cp.deps.keyring, ann, "Mfa Co")).rejects.toThrow(/already set up/);
  });

  it("accepts a code once: the same code again is refused, the next step's code is accepted", async () => {
    const ben = await user("ben@mfa.example");
    const { secret } = await startTotpEnrolment(db, cp.deps.keyring, ben, "Mfa Co");
    expect((await confirmTotp(db, cp.deps.keyring, ben.id, await code(secret, -1))).ok).toBe(true);
    const now = await code(secret);
    expect(await checkTotp(db, cp.deps.keyring, ben.id, now)).toEqual({ ok: true });
    expect(await checkTotp(db, cp.deps.keyring, ben.id, now)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/already used/),
    });
    // An older code (before the last one used) is refused too; the next one is fine.
    expect(await checkTotp(db, cp.deps.keyring, ben.id, await code(secret, -1))).toMatchObject({ ok: false });
    expect(await checkTotp(db, cp.deps.keyring, ben.id, await code(secret, 1))).toEqual({ ok: true });
  });

  it("counts a code sent twice at once only once", async () => {
    const cy = await user("cy@mfa.example");
    const { secret } = await startTotpEnrolment(db, cp.deps.keyring, cy, "Mfa Co");
    await confirmTotp(db, cp.deps.keyring, cy.id, await code(secret, -1));
    const now = await code(secret);
    const results = await Promise.all([1, 2, 3].map(() => checkTotp(db, cp.deps.keyring, cy.id, now)));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
  });

  it("refuses another user's code, a code far from now, and what is not a code (positive control first)", async () => {
    const dee = await user("dee@mfa.example");
    const eve = await user("eve@mfa.example");
    const d = await startTotpEnrolment(db, cp.deps.keyring, dee, "Mfa Co");
    const e = await startTotpEnrolment(db, cp.deps.keyring, eve, "Mfa Co");
    await confirmTotp(db, cp.deps.keyring, dee.id, await code(d.secret, -1));
    await confirmTotp(db, cp.deps.keyring, eve.id, await code(e.secret, -1));
    expect(await checkTotp(db, cp.deps.keyring, dee.id, await code(d.secret))).toEqual({ ok: true });
    expect(await checkTotp(db, cp.deps.keyring, eve.id, await code(d.secret, 1))).toMatchObject({ ok: false });
    expect(await checkTotp(db, cp.deps.keyring, dee.id, await code(d.secret, 10))).toMatchObject({ ok: false });
    for (const junk of ["", "12345", "1234567", "abcdef", null, 123456])
      expect(await checkTotp(db, cp.deps.keyring, dee.id, junk)).toMatchObject({
        ok: false,
        reason: expect.stringMatching(/6-digit/),
      });
  });
});

describe("recovery codes", () => {
  it("are ten, stored only as hashes, each usable once and only by its own user", async () => {
    const fay = await user("fay@mfa.example");
    const gus = await user("gus@mfa.example");
    const { secret } = await startTotpEnrolment(db, cp.deps.keyring, fay, "Mfa Co");
    const confirmed = await confirmTotp(db, cp.deps.keyring, fay.id, await code(secret));
    if (!confirmed.ok) throw new Error(confirmed.reason);
    const codes = confirmed.recoveryCodes;
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const c of codes) expect(c).toMatch(/^[0-9a-z]{4}(-[0-9a-z]{4}){3}$/);
    const stored = await db.recoveryCode.findMany({ where: { userId: fay.id } });
    expect(stored).toHaveLength(10);
    const dump = JSON.stringify(stored);
    for (const c of codes) {
      expect(dump).not.toContain(c);
      expect(dump).not.toContain(c.replaceAll("-", ""));
    }

    // Another user cannot use them; their owner can, typed loosely, once.
    expect(await useRecoveryCode(db, gus.id, codes[0])).toBe(false);
    expect(await useRecoveryCode(db, fay.id, ` ${codes[0]!.toUpperCase().replaceAll("-", " ")} `)).toBe(true);
    expect(await useRecoveryCode(db, fay.id, codes[0])).toBe(false);
    expect(await recoveryCodesLeft(db, fay.id)).toBe(9);
    expect(await useRecoveryCode(db, fay.id, "not-a-code")).toBe(false);
    expect(await useRecoveryCode(db, fay.id, codes[1])).toBe(true);
    expect(await recoveryCodesLeft(db, fay.id)).toBe(8);
  });
});

describe("passkey ceremonies", () => {
  const rp = relyingParty("Mfa Co", "http://mfa.localhost:3000");

  it("are scoped to the portal's host and exclude the user's existing passkeys", async () => {
    const hal = await user("hal@mfa.example");
    const options = await passkeyRegistrationOptions(db, rp, hal);
    expect(options.rp).toEqual({ name: "Mfa Co", id: "mfa.localhost" });
    expect(options.user.name).toBe("hal@mfa.example");
    expect(options.authenticatorSelection?.userVerification).toBe("required");
    expect(await db.webAuthnChallenge.count({ where: { userId: hal.id, purpose: "register" } })).toBe(1);
    // No passkey yet: nothing to sign in with.
    expect(await passkeySignInOptions(db, rp, hal.id)).toBeNull();
    await db.passkey.create({
      data: { id: "cred-hal-1", userId: hal.id, publicKey: Buffer.from([1]), name: "Laptop" },
    });
    const again = await passkeyRegistrationOptions(db, rp, hal);
    expect(again.excludeCredentials?.map((c) => c.id)).toEqual(["cred-hal-1"]);
    const signIn = await passkeySignInOptions(db, rp, hal.id);
    expect(signIn?.rpId).toBe("mfa.localhost");
    expect(signIn?.allowCredentials?.map((c) => c.id)).toEqual(["cred-hal-1"]);
  });

  it("refuse a response to a challenge this portal did not issue to that user, before any signature is checked", async () => {
    const ida = await user("ida@mfa.example");
    const joe = await user("joe@mfa.example");
    await db.passkey.create({ data: { id: "cred-ida-1", userId: ida.id, publicKey: Buffer.from([1]), name: "Phone" } });
    const options = await passkeySignInOptions(db, rp, ida.id);
    const response = (challenge: string, id = "cred-ida-1") => ({
      id,
      rawId: id,
      type: "public-key" as const,
      clientExtensionResults: {},
      response: {
        clientDataJSON: Buffer.from(JSON.stringify({ type: "webauthn.get", challenge, origin: rp.origin })).toString(
          "base64url",
        ),
        authenticatorData: "",
        signature: "",
      },
    });
    // Another user's answer to Ida's challenge: refused, and Ida's challenge is still there.
    expect(await checkPasskey(db, rp, joe.id, response(options!.challenge))).toMatchObject({ ok: false });
    expect(await db.webAuthnChallenge.count({ where: { challenge: options!.challenge } })).toBe(1);
    // An invented challenge: refused.
    expect(await checkPasskey(db, rp, ida.id, response("invented"))).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/expired/),
    });
    // Ida's own challenge is consumed by the first answer (here a bad signature: refused by the
    // library), so a second answer to it is refused before any signature is checked.
    const first = await checkPasskey(db, rp, ida.id, response(options!.challenge));
    expect(first).toMatchObject({ ok: false, reason: expect.stringMatching(/could not be verified/) });
    expect(await checkPasskey(db, rp, ida.id, response(options!.challenge))).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/already used/),
    });
  });
});
