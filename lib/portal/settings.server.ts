import "server-only";
import { cache } from "react";
import { assertTenantRole, type TenantUser } from "../auth/tenant-guard.server.ts";
import { withTenantDb } from "../platform/with-tenant-db.server.ts";
import { platform } from "../platform/platform.server.ts";
import type { ResolvedTenant } from "../tenancy/resolver.ts";

export interface PortalSettingsView {
  catalogueVisibility: "public" | "members";
  allowMemberSignup: boolean;
  allowGuestRegistration: boolean;
  senderName: string | null;
}

const DEFAULTS: PortalSettingsView = {
  catalogueVisibility: "public",
  allowMemberSignup: true,
  allowGuestRegistration: false,
  senderName: null,
};

/**
 * The portal's settings (one row in its own database), with the defaults a new portal has. Read
 * once per request however many parts of a page ask.
 */
export const portalSettings = cache(async (tenant: Pick<ResolvedTenant, "id">): Promise<PortalSettingsView> => {
  const row = await withTenantDb(tenant.id, (db) =>
    db.portalSettings.findUnique({
      where: { id: 1 },
      select: { catalogueVisibility: true, allowMemberSignup: true, allowGuestRegistration: true, senderName: true },
    }),
  );
  return row ?? DEFAULTS;
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
