import type { MailBrand } from "../mail/content.ts";
import { readableOn, type Theme } from "../tenancy/theme.ts";

/**
 * How a tenant's emails look: its name, its logo as an absolute URL on its own registered host
 * (mail clients have no page to resolve a relative path against), its primary colour with the
 * text colour that reads on it.
 */
export function tenantMailBrand(
  tenant: { name: string; primaryHost: string; theme?: Pick<Theme, "primary" | "logo"> | null },
  link: (host: string, path: string) => string,
): MailBrand {
  const primary = tenant.theme?.primary ?? AGENCY_PRIMARY;
  return {
    name: tenant.name,
    logoUrl: tenant.theme ? link(tenant.primaryHost, tenant.theme.logo.src) : null,
    logoAlt: tenant.theme?.logo.alt ?? tenant.name,
    primary,
    onPrimary: readableOn(primary),
    homeUrl: link(tenant.primaryHost, "/"),
  };
}

const AGENCY_PRIMARY = "#0f172a";

/** The agency dashboard's own emails: Portico's name, no tenant's brand. */
export function agencyMailBrand(agencyHost: string, link: (host: string, path: string) => string): MailBrand {
  return {
    name: "Portico",
    logoUrl: null,
    logoAlt: "Portico",
    primary: AGENCY_PRIMARY,
    onPrimary: readableOn(AGENCY_PRIMARY),
    homeUrl: link(agencyHost, "/"),
  };
}
