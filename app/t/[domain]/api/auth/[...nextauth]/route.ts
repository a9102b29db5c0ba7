import { plainText } from "@/lib/portal/route-text.server.ts";
import NextAuth from "next-auth/next";
import type { NextRequest } from "next/server";
import { forwardedHostIsConsistent } from "@/lib/auth/route.server.ts";
import { currentOrigin } from "@/lib/auth/origin.server.ts";
import { guardSessionRead } from "@/lib/auth/session-read.server.ts";
import { refusedPasswordSignIn } from "@/lib/auth/sign-in-throttle.server.ts";
import { tenantAuthRouteOptions } from "@/lib/auth/tenant-options.server.ts";
import { endSsoTestCookie, ssoTestBy } from "@/lib/auth/sso-test.server.ts";
import { tenantUser } from "@/lib/auth/tenant-guard.server.ts";
import { TenantUnavailable } from "@/lib/util/errors.ts";
import { signInAccount } from "@/lib/auth/lockouts.server.ts";
import { currentTenant } from "@/lib/platform/current-tenant.server.ts";

type Context = { params: Promise<{ domain: string; nextauth: string[] }> };

/** next-auth for this tenant alone: its own secret, its own users, its own cookies. */
async function handler(request: NextRequest, context: Context): Promise<Response> {
  const { domain, nextauth } = await context.params;
  const tenant = await currentTenant(domain);
  const signedOut = await guardSessionRead(
    request,
    nextauth,
    async () =>
      tenant.status === "active" &&
      !tenant.maintenance &&
      (await tenantUser(tenant).catch((error: unknown) => {
        if (error instanceof TenantUnavailable) return null;
        throw error;
      })) !== null,
  );
  if (signedOut) return signedOut;
  if (tenant.status !== "active" || tenant.maintenance) return plainText("portalUnavailable", 403);
  if (!(await forwardedHostIsConsistent())) return plainText("badRequest", 400);
  const origin = await currentOrigin();
  const refused = await refusedPasswordSignIn(request, nextauth, origin, (email) =>
    signInAccount({ tenantId: tenant.id }, email),
  );
  if (refused) return refused;
  // Providers are built here only: the guard on every page reads sessions without them.
  const { ssoTest, ...options } = await tenantAuthRouteOptions(tenant, origin, nextauth, () =>
    ssoTestBy(tenant, origin),
  );
  const response = (await NextAuth(request, context, options)) as Response;
  if (!ssoTest || nextauth[0] !== "callback") return response;
  return endedSsoTest(response, origin);
}

/**
 * A test sign-in's callback ends the test: the marker cookie goes, and a failure next-auth sends
 * to the sign-in page (which a signed-in admin would leave at once) lands on the settings instead.
 */
function endedSsoTest(response: Response, origin: string): Response {
  const headers = new Headers(response.headers);
  headers.append("set-cookie", endSsoTestCookie(origin));
  const location = headers.get("location");
  const path = location ? new URL(location, origin).pathname : null;
  if (path === "/sign-in" || path === "/api/auth/error")
    headers.set("location", `${origin}/manage/settings?ssoTest=failed#sso`);
  return new Response(response.body, { status: response.status, headers });
}

export { handler as GET, handler as POST };
