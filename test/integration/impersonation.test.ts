import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgencyUser } from "../../lib/auth/agency-guard.server.ts";
import {
  activeImpersonation,
  consumeImpersonation,
  endImpersonation,
  issueImpersonation,
  peekImpersonation,
  signGrant,
  verifyGrantToken,
} from "../../lib/auth/impersonation.server.ts";
import type { PooledClient } from "../../lib/db/client-cache.ts";
import type { TenantDb } from "../../lib/db/tenant-db.server.ts";
import { provisionTenant } from "../../lib/provisioning/provision.server.ts";
import { parseTenantSpec } from "../../lib/provisioning/spec.ts";
import { FALLBACK_THEME } from "../../lib/tenancy/theme.ts";
import { openTenantDb, testControlPlane, type TestControlPlane } from "../support/databases.ts";
import { markVerified } from "../../lib/auth/verified.ts";

/** Impersonation hand-offs against a real control plane and tenant database. */
let cp: TestControlPlane;
let pooled: PooledClient<TenantDb>;
let tenant: { id: string; slug: string; status: string };
let owner: AgencyUser;
let adminId: string;
let memberId: string;
const secretKey = randomBytes(32).toString("base64");
const from = { ip: "198.51.100.4", userAgent: "vitest" };

const deps = () => ({
  control: cp.deps.control,
  secretKey,
  useTenant: <T>(_: string, fn: (db: TenantDb) => Promise<T>) => fn(pooled.client),
});

async function agencyUser(role: AgencyUser["role"]): Promise<AgencyUser> {
  const u = await cp.deps.control.agencyUser.create({
    data: { email: `${role}-${randomBytes(3).toString("hex")}@agency.example`, name: role, role },
  });
  // Stands in for the guard, which verifies a signed-in user from the request's session.
  return markVerified({ id: u.id, email: u.email, name: u.name, role });
}

beforeAll(async () => {
  cp = await testControlPlane();
  const { tenantId } = await provisionTenant(
    cp.deps,
    parseTenantSpec({
      slug: cp.slug("imp"),
      name: "Imp",
      theme: FALLBACK_THEME,
      demo: {
        users: [
          { email: "ada@imp.example", name: "Ada", role: "admin" },
          { email: "mo@imp.example", name: "Mo", role: "member" },
        ],
      },
    }),
    { mode: "create" },
  );
  tenant = { id: tenantId, slug: cp.slug("imp"), status: "active" };
  pooled = await openTenantDb(cp, tenantId, "imp-test");
  adminId = (await pooled.client.user.findUniqueOrThrow({ where: { email: "ada@imp.example" } })).id;
  memberId = (await pooled.client.user.findUniqueOrThrow({ where: { email: "mo@imp.example" } })).id;
  owner = await agencyUser("owner");
});
afterAll(async () => {
  await pooled?.close();
  await cp?.cleanup();
});

const actions = async () =>
  await cp.deps.control.auditEntry.findMany({
    where: { tenantId: tenant.id },
    orderBy: { id: "asc" },
    select: { action: true, actorLabel: true, details: true },
  });

describe("impersonation hand-offs", () => {
  it("tokens are signed: a changed id or signature is refused", () => {
    const id = "3f0c8a8e-1d7b-4c39-9a57-0d7c1f1b2a10";
    const token = signGrant(secretKey, id);
    expect(verifyGrantToken(secretKey, token)).toBe(id);
    expect(verifyGrantToken(secretKey, token.replace("3f0c", "3f0d"))).toBeNull();
    expect(verifyGrantToken(randomBytes(32).toString("base64"), token)).toBeNull();
    expect(verifyGrantToken(secretKey, "nonsense")).toBeNull();
  });

  it("viewers and operators are refused, and the refusal is audited", async () => {
    for (const role of ["viewer", "operator"] as const) {
      const user = await agencyUser(role);
      await expect(
        issueImpersonation(deps(), user, tenant, { targetUserId: adminId, reason: "looking around" }, from),
      ).rejects.toThrow(/Only agency owners/);
    }
    expect((await actions()).filter((a) => a.action === "impersonation.refused")).toHaveLength(2);
    expect(await cp.deps.control.impersonationGrant.count()).toBe(0);
  });

  it("only an active admin or owner of the tenant can be impersonated, and a reason is required", async () => {
    await expect(
      issueImpersonation(deps(), owner, tenant, { targetUserId: memberId, reason: "ticket 12" }, from),
    ).rejects.toThrow(/not an active admin/);
    await expect(
      issueImpersonation(deps(), owner, tenant, { targetUserId: adminId, reason: "x" }, from),
    ).rejects.toThrow(/say why/);
    await expect(
      issueImpersonation(
        deps(),
        owner,
        { ...tenant, status: "suspended" },
        { targetUserId: adminId, reason: "ticket 12" },
        from,
      ),
    ).rejects.toThrow(/suspended/);
  });

  it("a link works once: issue → peek → consume → session active → end; every step audited", async () => {
    const issued = await issueImpersonation(
      deps(),
      owner,
      tenant,
      { targetUserId: adminId, reason: "ticket 4211" },
      from,
    );
    expect(await peekImpersonation(deps(), tenant.id, issued.token)).toMatchObject({
      state: "ready",
      targetEmail: "ada@imp.example",
      agencyUserEmail: owner.email,
    });
    // Another tenant's id cannot use it.
    expect(await peekImpersonation(deps(), "00000000-0000-4000-8000-000000000000", issued.token)).toEqual({
      state: "invalid",
    });

    const claimed = await consumeImpersonation(deps(), tenant.id, issued.token, from);
    expect(claimed).toMatchObject({ grantId: issued.grantId, targetUserId: adminId });
    const again = await consumeImpersonation(deps(), tenant.id, issued.token, from);
    expect(again).toEqual({ refused: "used" });
    expect(await peekImpersonation(deps(), tenant.id, issued.token)).toEqual({ state: "used" });

    expect(await activeImpersonation(cp.deps.control, tenant.id, issued.grantId)).toMatchObject({
      agencyUserEmail: owner.email,
    });
    expect(await endImpersonation(cp.deps.control, tenant.id, issued.grantId, from)).toBe(true);
    expect(await endImpersonation(cp.deps.control, tenant.id, issued.grantId, from)).toBe(false);
    expect(await activeImpersonation(cp.deps.control, tenant.id, issued.grantId)).toBeNull();

    const trail = (await actions()).map((a) => a.action).filter((a) => a.startsWith("impersonation."));
    expect(trail.slice(-4)).toEqual([
      "impersonation.issue",
      "impersonation.start",
      "impersonation.refused",
      "impersonation.end",
    ]);
  });

  it("an expired link is refused", async () => {
    const issued = await issueImpersonation(
      deps(),
      owner,
      tenant,
      { targetUserId: adminId, reason: "ticket 4212" },
      from,
    );
    await cp.deps.control.impersonationGrant.update({
      where: { id: issued.grantId },
      data: { expiresAt: new Date(Date.now() - 1_000) },
    });
    expect(await peekImpersonation(deps(), tenant.id, issued.token)).toEqual({ state: "expired" });
    expect(await consumeImpersonation(deps(), tenant.id, issued.token, from)).toEqual({ refused: "expired" });
  });

  it("deactivating the agency owner ends their impersonation session at once", async () => {
    const other = await agencyUser("owner");
    const issued = await issueImpersonation(
      deps(),
      other,
      tenant,
      { targetUserId: adminId, reason: "ticket 4213" },
      from,
    );
    await consumeImpersonation(deps(), tenant.id, issued.token, from);
    expect(await activeImpersonation(cp.deps.control, tenant.id, issued.grantId)).not.toBeNull(); // positive control
    await cp.deps.control.agencyUser.update({ where: { id: other.id }, data: { active: false } });
    expect(await activeImpersonation(cp.deps.control, tenant.id, issued.grantId)).toBeNull();
  });
});
