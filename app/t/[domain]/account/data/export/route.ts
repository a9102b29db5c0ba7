import { requireTenantUser } from "@/lib/auth/tenant-guard.server.ts";
import { downloadOwnData } from "@/lib/lifecycle/data-requests.server.ts";
import { currentTenantFromHost } from "@/lib/platform/current-tenant.server.ts";
import { plainText } from "@/lib/portal/route-text.server.ts";

/**
 * "Download my data" (docs/decisions/051): everything this portal holds about the signed-in
 * member, as JSON, and nothing about anyone else. The route checks the user itself.
 */
export async function GET() {
  const tenant = await currentTenantFromHost();
  if (!tenant) return plainText("notFound", 404);
  const user = await requireTenantUser(tenant, "/account/data");
  if (user.impersonation) return plainText("noImpersonatedExport", 403);
  const data = await downloadOwnData(tenant, user);
  const day = new Date().toISOString().slice(0, 10);
  return new Response(
    JSON.stringify(data, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2),
    {
      headers: {
        "Content-Type": "application/json; charset=utf-8",
        "Content-Disposition": `attachment; filename="my-data-${tenant.slug}-${day}.json"`,
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
      },
    },
  );
}
