import { getTranslations } from "next-intl/server";
import { requireTenantUser } from "@/lib/auth/tenant-guard.server.ts";
import { currentTenantFromHost } from "@/lib/platform/current-tenant.server.ts";
import { TRAIL_EXPORT_REFUSED, TrailUnavailable, recordUserTrail } from "@/lib/platform/record-trail.server.ts";
import { tenantTrailExport, trailCsv } from "@/lib/portal/audit-trail.server.ts";
import { plainText } from "@/lib/portal/route-text.server.ts";
import { parseTrailFilter } from "@/lib/portal/trail-filter.ts";

/**
 * The portal's audit trail as CSV (owners and admins; decision 048), with the page's filters,
 * formula-safe. The export is itself recorded in the trail first: no entry, no export.
 */
export async function GET(request: Request) {
  const tenant = await currentTenantFromHost();
  if (!tenant) return plainText("notFound", 404);
  const user = await requireTenantUser(tenant, "/manage/audit", "admin");
  const parsed = parseTrailFilter(Object.fromEntries(new URL(request.url).searchParams));
  const t = await getTranslations("audit");
  if (!parsed.ok)
    return new Response(
      Object.values(parsed.errors)
        .map((code) => t(`errors.${code}`))
        .join("\n"),
      {
        status: 400,
        headers: { "Content-Type": "text/plain; charset=utf-8" },
      },
    );
  const { before: _cursor, ...filter } = parsed.filter;
  try {
    await recordUserTrail(tenant.id, user, "export.audit", {
      details: {
        filter: {
          ...filter,
          from: filter.from?.toISOString(),
          to: filter.to?.toISOString(),
        },
      },
    });
  } catch (error) {
    if (error instanceof TrailUnavailable) return new Response(TRAIL_EXPORT_REFUSED, { status: 503 });
    throw error;
  }
  const { rows, verification } = await tenantTrailExport(tenant, user, filter);
  return new Response(trailCsv(rows), {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${tenant.slug}-audit-trail.csv"`,
      "Cache-Control": "no-store",
      // The chain's state when exported: a reader can tell a verified export from a tampered one.
      "X-Audit-Verified": verification.ok
        ? `ok; entries=${verification.entries}`
        : `tampered at ${verification.problem.id}`,
    },
  });
}
