import { plainText } from "@/lib/portal/route-text.server.ts";
import NextAuth from "next-auth/next";
import type { NextRequest } from "next/server";
import { forwardedHostIsConsistent } from "@/lib/auth/route.server.ts";
import { currentOrigin } from "@/lib/auth/origin.server.ts";
import { guardSessionRead } from "@/lib/auth/session-read.server.ts";
import { refusedPasswordSignIn } from "@/lib/auth/sign-in-throttle.server.ts";
import { tenantAuthOptions } from "@/lib/auth/tenant-options.server.ts";
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
  return NextAuth(request, context, tenantAuthOptions(tenant, origin)) as Promise<Response>;
}

export { handler as GET, handler as POST };
