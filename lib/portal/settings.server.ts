import "server-only";
import { cache } from "react";
import { assertTenantRole, type TenantUser } from "../auth/tenant-guard.server.ts";
import { withTenantDb } from "../platform/with-tenant-db.server.ts";
import { platform } from "../platform/platform.server.ts";
import type { ResolvedTenant } from "../tenancy/resolver.ts";
import { DEFAULT_LOCALE, asLocale, type Locale } from "../format/locale.ts";
import { secondFactorPolicy, type SecondFactorPolicy } from "../auth/second-factor-policy.ts";
import { readOidcConnection } from "../auth/sso-connection.server.ts";
import { loadSamlConnection } from "../auth/saml-sign-in.server.ts";

export interface PortalSettingsView {
  catalogueVisibility: "public" | "members";
  allowMemberSignup: boolean;
  allowGuestRegistration: boolean;
  senderName: string | null;
  /** The portal's language for everyone who chose none (docs/decisions/034). */
  defaultLocale: Locale;
  /** Who must use a second factor (docs/decisions/045). */
  secondFactorPolicy: SecondFactorPolicy;
}

const DEFAULTS: PortalSettingsView = {
  catalogueVisibility: "public",
  allowMemberSignup: true,
  allowGuestRegistration: false,
  senderName: null,
  defaultLocale: DEFAULT_LOCALE,
  secondFactorPolicy: "none",
};

/**
 * The portal's settings (one row in its own database), with the defaults a new portal has. Read
 * once per request however many parts of a page ask.
 */
export const portalSettings = cache(async (tenant: Pick<ResolvedTenant, "id">): Promise<PortalSettingsView> => {
  const row = await withTenantDb(tenant.id, (db) =>
    db.portalSettings.findUnique({
      where: { id: 1 },
      select: {
        catalogueVisibility: true,
        allowMemberSignup: true,
        allowGuestRegistration: true,
        senderName: true,
        defaultLocale: true,
        secondFactorPolicy: true,
      },
    }),
  );
  if (!row) return DEFAULTS;
  const policy = secondFactorPolicy.safeParse(row.secondFactorPolicy);
  return {
    ...row,
    defaultLocale: asLocale(row.defaultLocale) ?? DEFAULT_LOCALE,
    secondFactorPolicy: policy.success ? policy.data : "none",
  };
});

/** What the settings page shows its admins: the settings and the portal's custom domains. */
export async function settingsForAdmin(tenant: ResolvedTenant, admin: TenantUser) {
  assertTenantRole(admin, tenant, "admin");
  const [settings, domains] = await Promise.all([
    portalSettings(tenant),
    platform().control.domain.findMany({
      where: { tenantId: tenant.id },
      orderBy: [{ isPrimary: "desc" }, { hostname: "asc" }],
      select: { hostname: true, isPrimary: true },
    }),
  ]);
  return { settings, domains };
}

/** The portal's single sign-on connection for its admins' settings page; never its secret. */
export async function ssoSettingsForAdmin(tenant: ResolvedTenant, admin: TenantUser) {
  assertTenantRole(admin, tenant, "admin");
  return readOidcConnection(tenant.id);
}

/** The portal's SAML connection for its admins' settings page (docs/decisions/043). */
export async function samlSettingsForAdmin(tenant: ResolvedTenant, admin: TenantUser) {
  assertTenantRole(admin, tenant, "admin");
  return loadSamlConnection(tenant);
}
