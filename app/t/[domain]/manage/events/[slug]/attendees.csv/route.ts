import { requireTenantUser } from "@/lib/auth/tenant-guard.server.ts";
import { csvRow } from "@/lib/portal/csv.ts";
import { hasFeature } from "@/lib/portal/features.server.ts";
import { attendeeExport } from "@/lib/portal/staff-views.server.ts";
import { currentTenantFromHost } from "@/lib/platform/current-tenant.server.ts";

/** Every registration of an event as CSV (staff; plans with CSV export), safe to open in a spreadsheet. */
export async function GET(_: Request, { params }: { params: Promise<{ slug: string }> }) {
  const tenant = await currentTenantFromHost();
  if (!tenant) return new Response("Not found", { status: 404 });
  const { slug } = await params;
  const staff = await requireTenantUser(tenant, `/manage/events/${slug}/attendees`, "staff");
  if (!hasFeature(tenant, "csv-export"))
    return new Response("CSV export is not part of this portal's plan.", { status: 403 });
  const exported = await attendeeExport(tenant, staff, slug);
  if (!exported) return new Response("Not found", { status: 404 });
  const { questions, rows } = exported;
  const header = csvRow([
    "Name",
    "Email",
    "Status",
    "Registered (UTC)",
    "Checked in (UTC)",
    ...questions.map((q) => q.label),
  ]);
  const body = rows
    .map((r) =>
      csvRow([
        r.name,
        r.email,
        r.status,
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
