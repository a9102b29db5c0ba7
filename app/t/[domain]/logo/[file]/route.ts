import { plainText } from "@/lib/portal/route-text.server.ts";
import { platform } from "@/lib/platform/platform.server.ts";
import { currentHost } from "@/lib/platform/current-tenant.server.ts";
import { resolverKey } from "@/lib/tenancy/resolver.ts";
import { LOGO_PATH } from "@/lib/tenancy/logo.ts";

/** A tenant's uploaded logo, on its own hosts only; immutable (the name is its sha-256). */
export async function GET(_: Request, { params }: { params: Promise<{ file: string }> }) {
  // Suspended and maintenance notices are branded too, so their logo is served.
  const key = resolverKey(await currentHost());
  const resolved = key ? await platform().resolver.resolve(key) : null;
  const tenant = resolved && (resolved.status === "active" || resolved.status === "suspended") ? resolved : null;
  const match = LOGO_PATH.exec(`/logo/${(await params).file}`);
  if (!tenant || !match) return plainText("notFound", 404);
  const logo = await platform().control.tenantLogo.findUnique({ where: { tenantId: tenant.id } });
  if (!logo || logo.sha256 !== match[1]) return plainText("notFound", 404);
  return new Response(new Uint8Array(logo.bytes), {
    headers: {
      "Content-Type": logo.contentType,
      "Cache-Control": "public, max-age=31536000, immutable",
      "X-Content-Type-Options": "nosniff",
    },
  });
}
