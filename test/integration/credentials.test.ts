import { randomBytes } from "node:crypto";
import { generate } from "otplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkTotp, confirmTotp, startTotpEnrolment } from "../../lib/auth/totp.server.ts";
import { withClient, withDatabase } from "../../lib/db/postgres.ts";
import { keyringFrom, seal, unseal } from "../../lib/db/keyring.server.ts";
import { tenantConnectionUrl } from "../../lib/db/tenant-db.server.ts";
import { resealSecrets, rotateTenantCredentials } from "../../lib/lifecycle/role-credentials.server.ts";
import { provisionTenant } from "../../lib/provisioning/provision.server.ts";
import { parseTenantSpec } from "../../lib/provisioning/spec.ts";
import { FALLBACK_THEME } from "../../lib/tenancy/theme.ts";
import { adminUrl, openTenantDb, testControlPlane, type TestControlPlane } from "../support/databases.ts";

let cp: TestControlPlane;
let tenantId: string;

beforeAll(async () => {
  cp = await testControlPlane();
  const spec = parseTenantSpec({
    slug: cp.slug("rot"),
    name: "Rotating",
    theme: FALLBACK_THEME,
    demo: { events: [{ slug: "e", title: "Kept", startsInDays: 1 }] },
  });
  tenantId = (await provisionTenant(cp.deps, spec, { mode: "create" })).tenantId;
});
afterAll(async () => {
  await cp?.cleanup();
});

const count = (url: string) =>
  withClient(url, async (c) => (await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM "Event"`)).rows[0]?.n);

describe("rotating tenant credentials", () => {
  it("replaces the role password: the old one is refused, the new one works, data stays", async () => {
    const before = await tenantConnectionUrl(cp.deps.control, cp.deps.keyring, tenantId);
    expect(await count(before)).toBe(1); // positive control
    const { credentialsRotatedAt: set } = await cp.deps.control.tenantDatabase.findUniqueOrThrow({
      where: { tenantId },
    });
    const [outcome] = await rotateTenantCredentials(cp.deps, [cp.slug("rot")]);
    expect(outcome).toMatchObject({ ok: true, reassigned: 0 });
    // The dashboard's credentials age starts again.
    const { credentialsRotatedAt: rotated } = await cp.deps.control.tenantDatabase.findUniqueOrThrow({
      where: { tenantId },
    });
    expect(rotated.getTime()).toBeGreaterThan(set.getTime());
    await expect(count(before)).rejects.toMatchObject({ code: "28P01" });
    expect(await count(await tenantConnectionUrl(cp.deps.control, cp.deps.keyring, tenantId))).toBe(1);
  });

  it("brings a tenant whose objects an administrator owns into the per-tenant-role model", async () => {
    const database = `t_rot_${cp.tag}`;
    // As a legacy tenant would be: objects and database owned by the administrator, open to PUBLIC.
    await withClient(withDatabase(adminUrl(), database), async (c) => {
      await c.query(`ALTER TABLE "Event" OWNER TO postgres`);
      await c.query(`ALTER TYPE "Role" OWNER TO postgres`);
      await c.query(`ALTER DATABASE ${database} OWNER TO postgres`);
      await c.query(`GRANT CONNECT ON DATABASE ${database} TO PUBLIC`);
    });
    const [outcome] = await rotateTenantCredentials(cp.deps, [cp.slug("rot")]);
    expect(outcome?.ok).toBe(true);
    expect(outcome?.reassigned).toBe(2);
    const url = await tenantConnectionUrl(cp.deps.control, cp.deps.keyring, tenantId);
    const owners = await withClient(
      url,
      async (c) =>
        (
          await c.query(`SELECT pg_get_userbyid(d.datdba) AS db, (SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = 'Event') AS event,
        has_database_privilege('public', current_database(), 'CONNECT') AS public_connect FROM pg_database d WHERE d.datname = current_database()`)
        ).rows[0],
    );
    expect(owners).toEqual({ db: `t_rot_${cp.tag}_app`, event: `t_rot_${cp.tag}_app`, public_connect: false });
  });
});

describe("re-sealing after a key rotation", () => {
  it("moves every secret to the new key, after which the old key is no longer needed", async () => {
    const oldKey = cp.secretKey;
    const newKey = randomBytes(32).toString("base64");
    // A single sign-on client secret, sealed under the old key in the tenant's own database.
    const sso = seal("sso-client-secret", cp.deps.keyring);
    await withClient(await tenantConnectionUrl(cp.deps.control, cp.deps.keyring, tenantId), (c) =>
      c.query(
        `INSERT INTO "SsoConnection" (id, kind, "displayName", issuer, "clientId", "secretCiphertext", "secretKeyId", "updatedAt", "updatedBy")
         VALUES (gen_random_uuid(), 'oidc', 'IdP', 'https://idp.example', 'portal', $1, $2, now(), 'test')`,
        [sso.ciphertext, sso.keyId],
      ),
    );
    // A member's authenticator app, enrolled and confirmed under the old key (docs/decisions/045).
    const pooled = await openTenantDb(cp, tenantId, "reseal-test");
    const tenantDb = pooled.client;
    const ann = await tenantDb.user.create({
      data: { email: "ann@rot.example", name: "Ann", role: "member", passwordHash: "x" },
    });
    const app = await startTotpEnrolment(tenantDb, cp.deps.keyring, ann, "Rotating");
    // Codes as the app shows them now and one step later (fixed here, so both mean the same step throughout).
    const enrolledAt = Math.floor(Date.now() / 1000);
    const codeAt = (offset: number) => generate({ secret: app.secret, epoch: enrolledAt + offset * 30 });
    expect(await confirmTotp(tenantDb, cp.deps.keyring, ann.id, await codeAt(0))).toMatchObject({ ok: true });
    const before = await tenantDb.userTotp.findUniqueOrThrow({ where: { userId: ann.id } });
    expect(before.keyId).toBe(cp.deps.keyring.currentId);

    // An agency user's authenticator app, sealed under the old key in the control plane.
    const agent = await cp.deps.control.agencyUser.create({
      data: { email: `reseal-${cp.tag}@agency.example`, name: "Ray Reseal", role: "operator" },
    });
    const agencyApp = seal("JBSWY3DPEHPK3PXP", cp.deps.keyring);
    await cp.deps.control.agencyTotp.create({
      data: {
        agencyUserId: agent.id,
        secretCiphertext: agencyApp.ciphertext,
        keyId: agencyApp.keyId,
        confirmedAt: new Date(),
      },
    });
    const rotated = keyringFrom(newKey, "k2", `test:${oldKey}`);
    const result = await resealSecrets({ control: cp.deps.control, keyring: rotated });
    expect(result).toEqual({
      tenantPasswords: 1,
      serverUrls: 1,
      ssoSecrets: 1,
      totpSecrets: 1,
      tenantsSkipped: [],
      agencyTotpSecrets: 1,
    });
    expect(await resealSecrets({ control: cp.deps.control, keyring: rotated })).toEqual({
      tenantPasswords: 0,
      serverUrls: 0,
      ssoSecrets: 0,
      totpSecrets: 0,
      tenantsSkipped: [],
      agencyTotpSecrets: 0,
    }); // idempotent
    const resealed = await cp.deps.control.agencyTotp.findUniqueOrThrow({ where: { agencyUserId: agent.id } });
    expect(resealed.keyId).toBe("k2");
    expect(unseal({ ciphertext: resealed.secretCiphertext, keyId: resealed.keyId }, keyringFrom(newKey, "k2"))).toBe(
      "JBSWY3DPEHPK3PXP",
    );
    const onlyNewKey = keyringFrom(newKey, "k2");
    const row = await withClient(
      await tenantConnectionUrl(cp.deps.control, onlyNewKey, tenantId),
      async (c) =>
        (await c.query<{ secretCiphertext: string; secretKeyId: string }>(`SELECT * FROM "SsoConnection"`)).rows[0],
    );
    expect(row?.secretKeyId).toBe("k2");
    expect(unseal({ ciphertext: row!.secretCiphertext, keyId: row!.secretKeyId }, onlyNewKey)).toBe(
      "sso-client-secret",
    );

    // The app's secret now opens with the new key alone, and the app's codes still count: a code
    // of the next step is accepted, the step just used stays used.
    const totp = await tenantDb.userTotp.findUniqueOrThrow({ where: { userId: ann.id } });
    expect(totp.keyId).toBe("k2");
    expect(totp.secretCiphertext).not.toBe(before.secretCiphertext);
    expect(unseal({ ciphertext: totp.secretCiphertext, keyId: totp.keyId }, onlyNewKey)).toBe(app.secret);
    expect(() => unseal({ ciphertext: totp.secretCiphertext, keyId: totp.keyId }, cp.deps.keyring)).toThrow(
      /sealed with key "k2"/,
    );
    expect(totp.confirmedAt).toEqual(before.confirmedAt);
    expect(await checkTotp(tenantDb, onlyNewKey, ann.id, await codeAt(0))).toMatchObject({ ok: false });
    expect(await checkTotp(tenantDb, onlyNewKey, ann.id, await codeAt(1))).toEqual({ ok: true });
    await pooled.close();

    const onlyNew = keyringFrom(newKey, "k2");
    const db = await cp.deps.control.tenantDatabase.findUniqueOrThrow({ where: { tenantId } });
    expect(db.keyId).toBe("k2");
    expect(await count(await tenantConnectionUrl(cp.deps.control, onlyNew, tenantId))).toBe(1);
    expect(() => unseal({ ciphertext: db.passwordCiphertext, keyId: db.keyId }, cp.deps.keyring)).toThrow(
      /sealed with key "k2"/,
    );
  });
});
