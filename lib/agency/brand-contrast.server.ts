import "server-only";
import type { ControlDb } from "../db/control.server.ts";
import { assertAgencyRole, type AgencyUser } from "../auth/agency-guard.server.ts";
import { checkContrast, type ContrastProblem } from "../tenancy/contrast.ts";
import { themeSchema } from "../tenancy/theme.ts";

export interface BelowContrast {
  slug: string;
  name: string;
  problems: ContrastProblem[];
}

/**
 * Live tenants whose stored colours fail WCAG AA: saved before the contrast rule, or written
 * around it. They keep their look (a stored theme is read without the rule); the dashboard lists
 * them so someone fixes them. Themes are a few hundred bytes, so one query reads them all.
 */
export async function tenantsBelowContrast(viewer: AgencyUser, control: ControlDb): Promise<BelowContrast[]> {
  assertAgencyRole(viewer, "viewer");
  const tenants = await control.tenant.findMany({
    where: { status: { in: ["active", "suspended"] } },
    select: { slug: true, name: true, theme: true },
    orderBy: { slug: "asc" },
  });
  return tenants.flatMap((t) => {
    const theme = themeSchema.safeParse(t.theme);
    if (!theme.success) return [];
    const problems = Object.values(checkContrast(theme.data));
    return problems.length ? [{ slug: t.slug, name: t.name, problems }] : [];
  });
}
