// First: it installs the AsyncLocalStorage Next.js's request stores need.
import { inRequest } from "../support/request-scope.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateToken, hashToken } from "../../lib/auth/credentials.server.ts";
import { acceptInvitation } from "../../lib/auth/tenant-invitations.server.ts";
import {
  consumeTenantSignInLink,
  sendTenantSignInLink,
  signInLinkReturnTo,
} from "../../lib/auth/tenant-sign-in-link.server.ts";
import type { PooledClient } from "../../lib/db/client-cache.ts";
import type { TenantDb } from "../../lib/db/tenant-db.server.ts";
import { provisionTenant } from "../../lib/provisioning/provision.server.ts";
import { parseTenantSpec } from "../../lib/provisioning/spec.ts";
import type { ResolvedTenant } from "../../lib/tenancy/resolver.ts";
import { FALLBACK_THEME } from "../../lib/tenancy/theme.ts";
import { openTenantDb, testControlPlane, type TestControlPlane } from "../support/databases.ts";
import { installTestPlatform } from "../support/platform.ts";

/**
 * An emailed sign-in link lands where the member asked for it (security case 49): the return
 * path is stored with the token on a real tenant database, read back without consuming it, and
 * anything but a same-host relative path is dropped for /account.
 */
let cp: TestControlPlane;
let installed: ReturnType<typeof installTestPlatform>;
let pooled: PooledClient<TenantDb>;
let tenant: ResolvedTenant;
let EMAIL = "";
let people = 0;

beforeAll(async () => {
  cp = await testControlPlane();
  const slug = cp.slug("return");
  const { tenantId } = await provisionTenant(
    cp.deps,
    parseTenantSpec({ slug, name: "Return Co", theme: FALLBACK_THEME }),
    { mode: "create", seed: false },
  );
  installed = installTestPlatform(cp);
  tenant = await installed.tenant(slug);
  pooled = await openTenantDb(cp, tenantId, "sign-in-return-test");
});
afterAll(async () => {
  await installed?.uninstall();
  await pooled?.close();
  await cp?.cleanup();
});

/**
 * Asks for a link for a new member (a few links per address are allowed per quarter hour,
 * decision 019) and returns the token from the mail that was sent.
 */
async function linkToken(returnTo: unknown): Promise<string> {
  EMAIL = `mia${++people}@return.example`;
  await pooled.client.user.create({ data: { email: EMAIL, name: "Mia Member", role: "member" } });
  const before = new Date();
  // Asking for a link counts against the address and IP (decision 019): a request's headers.
  expect(await inRequest({ host: tenant.primaryHost }, () => sendTenantSignInLink(tenant, EMAIL, returnTo))).toBe(
    "sent",
  );
  const mail = await cp.deps.control.outboxMessage.findFirstOrThrow({
    where: { tenantId: tenant.id, toAddress: EMAIL, at: { gte: before } },
    orderBy: { at: "desc" },
  });
  const token = /token=([A-Za-z0-9_-]{43})/.exec(mail.text)?.[1];
  expect(token).toBeDefined();
  return token as string;
}

describe("sign-in link return path", () => {
  it("stores a same-host path and lands there, without consuming the token (positive control)", async () => {
    const token = await linkToken("/events/spring-gala");
    const row = await pooled.client.loginToken.findUniqueOrThrow({ where: { tokenHash: hashToken(token) } });
    expect(row.returnTo).toBe("/events/spring-gala");
    expect(await signInLinkReturnTo(tenant, token)).toBe("/events/spring-gala");
    expect(await signInLinkReturnTo(tenant, token)).toBe("/events/spring-gala"); // read twice: not consumed
    expect((await consumeTenantSignInLink(tenant, token))?.email).toBe(EMAIL);
    // Used: the landing no longer says anything about it.
    expect(await signInLinkReturnTo(tenant, token)).toBe("/account");
  });

  it.each(["//evil.com/events/x", "https://evil.com/", "/\\evil.com", "/api/auth/signout", "javascript:alert(1)"])(
    "drops %j: nothing stored, the link lands on /account and still signs in",
    async (hostile) => {
      const token = await linkToken(hostile);
      const row = await pooled.client.loginToken.findUniqueOrThrow({ where: { tokenHash: hashToken(token) } });
      expect(row.returnTo).toBeNull();
      expect(await signInLinkReturnTo(tenant, token)).toBe("/account");
      expect((await consumeTenantSignInLink(tenant, token))?.email).toBe(EMAIL);
    },
  );

  it("distrusts a stored path that is not same-host (written by hand), and keeps a good one (positive control)", async () => {
    const token = await linkToken("/registrations");
    expect(await signInLinkReturnTo(tenant, token)).toBe("/registrations");
    await pooled.client.loginToken.update({ where: { tokenHash: hashToken(token) }, data: { returnTo: "//evil.com" } });
    expect(await signInLinkReturnTo(tenant, token)).toBe("/account");
  });

  it("a malformed or unknown token lands on /account", async () => {
    expect(await signInLinkReturnTo(tenant, "nope")).toBe("/account");
    expect(await signInLinkReturnTo(tenant, "a".repeat(43))).toBe("/account");
  });
});

describe("accepting an invitation signs the person in (security case 50)", () => {
  async function invite(email: string, role: "member" | "staff") {
    await pooled.client.user.create({ data: { email, name: email.split("@")[0] as string, role } });
    const token = generateToken();
    await pooled.client.loginToken.create({
      data: { tokenHash: hashToken(token), email, purpose: "invite", expiresAt: new Date(Date.now() + 60_000) },
    });
    return token;
  }

  it("hands back a single-use sign-in for the invited account, landing staff on /manage", async () => {
    const token = await invite("stan@return.example", "staff");
    const accepted = await acceptInvitation(tenant, token, "hash");
    expect(accepted).toMatchObject({ email: "stan@return.example", next: "/manage" });
    expect(await signInLinkReturnTo(tenant, accepted?.signInToken)).toBe("/manage");
    expect((await consumeTenantSignInLink(tenant, accepted?.signInToken))?.email).toBe("stan@return.example");
    // Spent: the hand-off cannot sign anyone in twice, and the invitation is used up.
    expect(await consumeTenantSignInLink(tenant, accepted?.signInToken)).toBeNull();
    expect(await acceptInvitation(tenant, token, "hash")).toBeNull();
  });

  it("lands a member on /account", async () => {
    const accepted = await acceptInvitation(tenant, await invite("meg@return.example", "member"), "hash");
    expect(accepted?.next).toBe("/account");
    expect((await consumeTenantSignInLink(tenant, accepted?.signInToken))?.email).toBe("meg@return.example");
  });

  it("an unknown invitation token hands back nothing", async () => {
    expect(await acceptInvitation(tenant, generateToken(), "hash")).toBeNull();
  });
});
