import { parseAuditFilter } from "@/lib/agency/audit-filter.ts";
import { auditRows } from "@/lib/agency/audit-views.server.ts";
import { appendAudit } from "@/lib/audit/log.server.ts";
import { requestOrigin } from "@/lib/audit/request.server.ts";
import { agencyUser } from "@/lib/auth/agency-guard.server.ts";
import { platform } from "@/lib/platform/platform.server.ts";
import { csvRow } from "@/lib/portal/csv.ts";
import { currentHost } from "@/lib/platform/current-tenant.server.ts";

/** The filtered audit log as CSV (formula-safe); the export is itself audited. */
export async function GET(request: Request) {
  if ((await currentHost()).kind !== "agency") return new Response("Not found", { status: 404 });
  const user = await agencyUser();
  if (!user) return new Response("Sign in first.", { status: 401 });
  const parsed = parseAuditFilter(Object.fromEntries(new URL(request.url).searchParams));
  if (!parsed.ok) return new Response(Object.values(parsed.errors).join("\n"), { status: 400 });
  const { control } = platform();
  const rows = await auditRows(user, control, parsed.filter);
  await appendAudit(control, {
    actor: { type: "agency-user", id: user.id, label: user.email },
    action: "audit.export",
    details: { rows: rows.length, filter: { ...parsed.filter } },
    ...(await requestOrigin()),
  });
  const body = rows
    .map((r) =>
      csvRow([
        String(r.id),
        r.at,
        r.actorType,
        r.actorLabel,
        r.action,
        r.tenantId,
        r.ip,
        JSON.stringify(r.details),
        r.hash,
      ]),
    )
    .join("");
  return new Response(
    `\uFEFF${csvRow(["id", "at", "actor type", "actor", "action", "tenant id", "ip", "details", "hash"])}${body}`,
    {
      headers: {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": 'attachment; filename="portico-audit.csv"',
        "Cache-Control": "no-store",
      },
    },
  );
}
