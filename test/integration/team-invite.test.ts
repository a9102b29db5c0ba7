import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TenantUser } from "../../lib/auth/tenant-guard.server.ts";
import type { PooledClient } from "../../lib/db/client-cache.ts";
import type { TenantDb } from "../../lib/db/tenant-db.server.ts";
import { TeamRefused, inviteToTeam } from "../../lib/portal/team.server.ts";
import { provisionTenant } from "../../lib/provisioning/provision.server.ts";
import { parseTenantSpec } from "../../lib/provisioning/spec.ts";
import type { ResolvedTenant } from "../../lib/tenancy/resolver.ts";
import { FALLBACK_THEME } from "../../lib/tenancy/theme.ts";
import { openTenantDb, testControlPlane, type TestControlPlane } from "../support/databases.ts";
import { installTestPlatform } from "../support/platform.ts";
import { tenantViewer } from "../support/viewers.ts";

/** Team invitations on a real tenant database, checked with the mail layer's own address rule. */
let cp: TestControlPlane;
let installed: ReturnType<typeof installTestPlatform>;
let pooled: PooledClient<TenantDb>;
let tenant: ResolvedTenant;
let owner: TenantUser;

beforeAll(async () => {
  cp = await testControlPlane();
  const slug = cp.slug("team");
  const { tenantId } = await provisionTenant(
    cp.deps,
    parseTenantSpec({ slug, name: "Team Co", theme: FALLBACK_THEME }),
    { mode: "create", seed: false },
  );
  installed = installTestPlatform(cp);
  tenant = await installed.tenant(slug);
  pooled = await openTenantDb(cp, tenantId, "team-invite-test");
  const row = await pooled.client.user.create({
    data: { email: "owner@team.example", name: "Olive Owner", role: "owner", passwordHash: "x" },
  });
  owner = tenantViewer(tenantId, { id: row.id, email: row.email, name: row.name, role: "owner" });
});
afterAll(async () => {
  await installed?.uninstall();
  await pooled?.close();
  await cp?.cleanup();
});

const outboxTo = (to: string) => cp.deps.control.outboxMessage.count({ where: { tenantId: tenant.id, toAddress: to } });

describe("inviteToTeam", () => {
  it("refuses an address the mail layer would refuse (fullwidth ＠) with a message, and writes nothing", async () => {
    const hostile = "e@attacker.com\uFF20victim.com";
    const before = await pooled.client.user.count();
    const error = await inviteToTeam(tenant, owner, { email: hostile, name: "Eve", role: "staff" }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TeamRefused);
    expect((error as Error).message).toBe("Enter the person's email address, e.g. jo@client.example.");
    // No ghost member, no invitation token, no mail.
    expect(await pooled.client.user.count()).toBe(before);
    expect(await pooled.client.user.findFirst({ where: { email: { contains: "attacker" } } })).toBeNull();
    expect(await pooled.client.loginToken.count({ where: { email: { contains: "attacker" } } })).toBe(0);
    expect(await cp.deps.control.outboxMessage.count({ where: { tenantId: tenant.id } })).toBe(0);
  });

  it("invites a normal address: a member without a password, an invitation token and one email (positive control)", async () => {
    expect(
      await inviteToTeam(tenant, owner, { email: "  Sam.Staff@Team.Example ", name: "Sam Staff", role: "staff" }),
    ).toBe("invited");
    const user = await pooled.client.user.findUnique({ where: { email: "sam.staff@team.example" } });
    expect(user).toMatchObject({ role: "staff", active: true, passwordHash: null });
    expect(
      await pooled.client.loginToken.count({ where: { email: "sam.staff@team.example", purpose: "invite" } }),
    ).toBe(1);
    expect(await outboxTo("sam.staff@team.example")).toBe(1);
  });
});
