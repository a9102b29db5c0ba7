import { agencyUser } from "@/lib/auth/agency-guard.server.ts";
import { platform } from "@/lib/platform/platform.server.ts";
import { currentHost } from "@/lib/platform/current-tenant.server.ts";
import { LOGO_PATH } from "@/lib/tenancy/logo.ts";

/**
 * A tenant's uploaded logo on the agency host, for signed-in agency users: the dashboard's
 * previews and fleet list show a theme's `/logo/<sha256>.<ext>` as written, on this host.
 */
export async function GET(_: Request, { params }: { params: Promise<{ file: string }> }) {
  if ((await currentHost()).kind !== "agency") return new Response("Not found", { status: 404 });
  const match = LOGO_PATH.exec(`/logo/${(await params).file}`);
  if (!match || !(await agencyUser())) return new Response("Not found", { status: 404 });
  const logo = await platform().control.tenantLogo.findFirst({
    where: { sha256: match[1] },
    select: { contentType: true, bytes: true },
  });
  if (!logo) return new Response("Not found", { status: 404 });
  return new Response(new Uint8Array(logo.bytes), {
    headers: {
      "Content-Type": logo.contentType,
      // Only for agency users: a shared cache must not keep it.
      "Cache-Control": "private, max-age=3600",
      "X-Content-Type-Options": "nosniff",
    },
  });
}
