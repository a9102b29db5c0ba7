import { requireTenantUser } from "@/lib/auth/tenant-auth.server.ts";
import { withTenantDb } from "@/lib/db/with-tenant-db.server.ts";
import { csvRow } from "@/lib/portal/csv.ts";
import { hasFeature } from "@/lib/portal/features.server.ts";
import { parseQuestions } from "@/lib/portal/questions.ts";
import { currentTenantFromHost } from "@/lib/tenancy/current.server.ts";

/** Every registration of an event as CSV (staff; plans with CSV export), safe to open in a spreadsheet. */
export async function GET(_: Request, { params }: { params: Promise<{ slug: string }> }) {
  const tenant = await currentTenantFromHost();
  if (!tenant) return new Response("Not found", { status: 404 });
  const { slug } = await params;
  await requireTenantUser(tenant, `/manage/events/${slug}/attendees`, "staff");
  if (!hasFeature(tenant, "csv-export")) return new Response("CSV export is not part of this portal's plan.", { status: 403 });
  const event = /^[a-z0-9-]{1,80}$/.test(slug) ? await withTenantDb(tenant.id, (db) => db.event.findUnique({ where: { slug }, select: { id: true, questions: true } })) : null;
  if (!event) return new Response("Not found", { status: 404 });
  const questions = parseQuestions(event.questions);
  const rows = await withTenantDb(tenant.id, (db) =>
    db.registration.findMany({ where: { eventId: event.id }, orderBy: [{ createdAt: "asc" }, { id: "asc" }], take: 100_000, select: { name: true, email: true, status: true, createdAt: true, checkedInAt: true, answers: true } }),
  );
  const header = csvRow(["Name", "Email", "Status", "Registered (UTC)", "Checked in (UTC)", ...questions.map((q) => q.label)]);
  const body = rows.map((r) => csvRow([r.name, r.email, r.status, r.createdAt, r.checkedInAt, ...questions.map((q) => (r.answers as Record<string, string>)[q.id] ?? "")])).join("");
  return new Response(`\uFEFF${header}${body}`, {
    headers: { "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": `attachment; filename="${slug}-attendees.csv"`, "Cache-Control": "no-store" },
  });
}
