import { inRequest, sessionCookie } from "../support/request-scope.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { ActionState } from "../../lib/actions/action-state.ts";
import { tenantAction } from "../../lib/actions/tenant-action.server.ts";
import type { PooledClient } from "../../lib/db/client-cache.ts";
import type { TenantDb } from "../../lib/db/tenant-db.server.ts";
import { LOCALE_COOKIE } from "../../lib/format/locale.ts";
import { requestLocale } from "../../lib/portal/request-locale.server.ts";
import { recipientLocale } from "../../lib/auth/recipient-locale.server.ts";
import { provisionTenant } from "../../lib/provisioning/provision.server.ts";
import { parseTenantSpec } from "../../lib/provisioning/spec.ts";
import type { ResolvedTenant } from "../../lib/tenancy/resolver.ts";
import { FALLBACK_THEME } from "../../lib/tenancy/theme.ts";
import { InvalidInput } from "../../lib/util/errors.ts";
import { openTenantDb, testControlPlane, type TestControlPlane } from "../support/databases.ts";
import { installTestPlatform } from "../support/platform.ts";

/**
 * requestLocale() against a real tenant database and real sessions, inside a request as Next.js
 * builds one: member's choice, then the picker cookie, then the portal's default, then English
 * (docs/decisions/034); and tenantAction answering in that language.
 */
let cp: TestControlPlane;
let installed: ReturnType<typeof installTestPlatform>;
let pooled: PooledClient<TenantDb>;
let tenant: ResolvedTenant;
const session: Record<"chose" | "follows", string> = { chose: "", follows: "" };

beforeAll(async () => {
  cp = await testControlPlane();
  const slug = cp.slug("locale");
  const { tenantId } = await provisionTenant(
    cp.deps,
    parseTenantSpec({ slug, name: "Locale Co", theme: FALLBACK_THEME }),
    { mode: "create", seed: false },
  );
  installed = installTestPlatform(cp);
  tenant = await installed.tenant(slug);
  pooled = await openTenantDb(cp, tenantId, "request-locale-test");
  for (const [who, locale] of [
    ["chose", "fr"],
    ["follows", null],
  ] as const) {
    const user = await pooled.client.user.create({
      data: { email: `${who}@locale.example`, name: who, role: "member", passwordHash: "x", locale },
    });
    session[who] = await sessionCookie(tenant.primaryHost, {
      tenant,
      userId: user.id,
      sessionVersion: user.sessionVersion,
    });
  }
});
afterAll(async () => {
  await installed?.uninstall();
  await pooled?.close();
  await cp?.cleanup();
});

const cookies = (...parts: string[]) => parts.filter(Boolean).join("; ");
const localeOn = (host: string, cookie = "") => inRequest({ host, ...(cookie ? { cookie } : {}) }, requestLocale);
const portalDefault = (locale: string) =>
  pooled.client.portalSettings.upsert({
    where: { id: 1 },
    create: { id: 1, defaultLocale: locale },
    update: { defaultLocale: locale },
  });

describe("requestLocale", () => {
  it("is English for a portal that chose nothing, and on the agency host", async () => {
    await portalDefault("en");
    expect(await localeOn(tenant.primaryHost)).toBe("en");
    expect(await localeOn(installed.platform.hosts.agencyHost, `${LOCALE_COOKIE}=de`)).toBe("en");
  });

  it("takes a visitor's picker cookie over the portal's default, and a member's account over both", async () => {
    await portalDefault("de");
    expect(await localeOn(tenant.primaryHost)).toBe("de");
    expect(await localeOn(tenant.primaryHost, `${LOCALE_COOKIE}=fr`)).toBe("fr");
    expect(await localeOn(tenant.primaryHost, cookies(`${LOCALE_COOKIE}=en`, session.chose))).toBe("fr");
    // A member who follows the portal sees its default on every device, an old cookie or not.
    expect(await localeOn(tenant.primaryHost, cookies(`${LOCALE_COOKIE}=en`, session.follows))).toBe("de");
    expect(await localeOn(tenant.primaryHost, session.follows)).toBe("de");
  });

  it("ignores a cookie or a stored value outside the closed set", async () => {
    await portalDefault("de");
    expect(await localeOn(tenant.primaryHost, `${LOCALE_COOKIE}=xx`)).toBe("de");
    await pooled.client.$executeRaw`UPDATE "PortalSettings" SET "defaultLocale" = 'tlh' WHERE id = 1`;
    expect(await localeOn(tenant.primaryHost, `${LOCALE_COOKIE}=xx`)).toBe("en");
    expect(await localeOn(tenant.primaryHost, `${LOCALE_COOKIE}=fr`)).toBe("fr"); // positive control
  });
});

describe("tenantAction answers in the reader's language", () => {
  const refuse = tenantAction("public", z.object({}), async (): Promise<ActionState> => {
    throw new InvalidInput("This event no longer exists.");
  });

  it("translates lib's English refusal for a German reader and leaves it for an English one", async () => {
    await portalDefault("de");
    expect(await inRequest({ host: tenant.primaryHost }, () => refuse(new FormData()))).toMatchObject({
      error: "Diese Veranstaltung gibt es nicht mehr.",
    });
    expect(
      await inRequest({ host: tenant.primaryHost, cookie: `${LOCALE_COOKIE}=en` }, () => refuse(new FormData())),
    ).toMatchObject({ error: "This event no longer exists." });
  });
});

describe("recipientLocale: the language of an email", () => {
  it("is the member's own choice, else the portal's default (guests included)", async () => {
    await portalDefault("de");
    expect(await recipientLocale(tenant.id, "chose@locale.example")).toBe("fr");
    expect(await recipientLocale(tenant.id, "Follows@Locale.example")).toBe("de");
    expect(await recipientLocale(tenant.id, "guest@elsewhere.example")).toBe("de");
    await portalDefault("en");
    expect(await recipientLocale(tenant.id, "follows@locale.example")).toBe("en");
  });
});
