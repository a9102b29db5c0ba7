import { plainText } from "@/lib/portal/route-text.server.ts";
import { getTranslations } from "next-intl/server";
import { requireTenantUser } from "@/lib/auth/tenant-guard.server.ts";
import { csvRow } from "@/lib/portal/csv.ts";
import { TRAIL_EXPORT_REFUSED, TrailUnavailable, recordUserTrail } from "@/lib/platform/record-trail.server.ts";
import { hasFeature } from "@/lib/portal/features.server.ts";
import { attendeeExport } from "@/lib/portal/staff-views.server.ts";
import { currentTenantFromHost } from "@/lib/platform/current-tenant.server.ts";

/** Every registration of an event as CSV (staff; plans with CSV export), safe to open in a spreadsheet. */
export async function GET(_: Request, { params }: { params: Promise<{ slug: string }> }) {
  const tenant = await currentTenantFromHost();
  if (!tenant) return plainText("notFound", 404);
  const { slug } = await params;
  const staff = await requireTenantUser(tenant, `/manage/events/${slug}/attendees`, "staff");
  if (!hasFeature(tenant, "csv-export")) return plainText("noCsv", 403);
  const exported = await attendeeExport(tenant, staff, slug);
  if (!exported) return plainText("notFound", 404);
  // The tenant's trail (decision 048): no entry, no export.
  try {
    await recordUserTrail(tenant.id, staff, "export.attendees", {
      details: { event: slug, rows: exported.rows.length },
    });
  } catch (error) {
    if (error instanceof TrailUnavailable) return new Response(TRAIL_EXPORT_REFUSED, { status: 503 });
    throw error;
  }
  const { questions, rows } = exported;
  // Headings and statuses in the reader's language; times stay ISO 8601 in UTC, which every
  // spreadsheet reads as a date whatever its own language.
  const t = await getTranslations("routes");
  const status = await getTranslations("attendeeStatus");
  const header = csvRow([
    t("csvName"),
    t("csvEmail"),
    t("csvStatus"),
    t("csvRegistered"),
    t("csvCheckedIn"),
    ...questions.map((q) => q.label),
  ]);
  const body = rows
    .map((r) =>
      csvRow([
        r.name,
        r.email,
        status(r.status),
        r.createdAt,
        r.checkedInAt,
        ...questions.map((q) => (r.answers as Record<string, string>)[q.id] ?? ""),
      ]),
    )
    .join("");
  return new Response(`\uFEFF${header}${body}`, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${slug}-attendees.csv"`,
      "Cache-Control": "no-store",
    },
  });
}
