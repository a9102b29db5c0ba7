import { plainText } from "@/lib/portal/route-text.server.ts";
import { platform } from "@/lib/platform/platform.server.ts";
import { noticePage } from "@/lib/portal/notice.ts";
import { cookieLocale } from "@/lib/portal/request-locale.server.ts";
import { DEFAULT_LOCALE } from "@/lib/format/locale.ts";
import { currentHost } from "@/lib/platform/current-tenant.server.ts";
import { outageOf } from "@/lib/platform/outage.ts";
import { resolverKey } from "@/lib/tenancy/resolver.ts";

/**
 * Where proxy.ts sends every request for a portal that is suspended, in maintenance or whose database is down:
 * the branded notice with 503 and Retry-After (decision 022). It decides again from the Host
 * itself, so asking for this path directly shows the notice only when it is true.
 */
async function handler(request: Request): Promise<Response> {
  const key = resolverKey(await currentHost());
  const tenant = key ? await platform().resolver.resolve(key) : null;
  const outage = tenant ? await outageOf(platform(), tenant) : null;
  if (!tenant || !outage) return plainText("notFound", 404);
  return new Response(
    request.method === "HEAD"
      ? null
      : noticePage(tenant, outage, request.headers.get("x-nonce"), (await cookieLocale()) ?? DEFAULT_LOCALE),
    {
      status: 503,
      headers: {
        "content-type": "text/html; charset=utf-8",
        "cache-control": "no-store",
        // A database outage is probed every few seconds, maintenance (a move, a migration) takes
        // minutes; a suspension lasts until someone resumes it.
        "retry-after": outage === "unavailable" ? "30" : outage === "maintenance" ? "120" : "3600",
      },
    },
  );
}

export { handler as GET, handler as HEAD, handler as POST, handler as PUT, handler as PATCH, handler as DELETE };
