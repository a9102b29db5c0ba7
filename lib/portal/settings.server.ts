import "server-only";
import { cache } from "react";
import { withTenantDb } from "../db/with-tenant-db.server.ts";
import type { ResolvedTenant } from "../tenancy/resolver.ts";

export interface PortalSettingsView {
  catalogueVisibility: "public" | "members";
  allowMemberSignup: boolean;
  allowGuestRegistration: boolean;
  senderName: string | null;
}

const DEFAULTS: PortalSettingsView = { catalogueVisibility: "public", allowMemberSignup: true, allowGuestRegistration: false, senderName: null };

/**
 * The portal's settings (one row in its own database), with the defaults a new portal has. Read
 * once per request however many parts of a page ask.
 */
export const portalSettings = cache(async (tenant: Pick<ResolvedTenant, "id">): Promise<PortalSettingsView> => {
  const row = await withTenantDb(tenant.id, (db) =>
    db.portalSettings.findUnique({ where: { id: 1 }, select: { catalogueVisibility: true, allowMemberSignup: true, allowGuestRegistration: true, senderName: true } }),
  );
  return row ?? DEFAULTS;
});
