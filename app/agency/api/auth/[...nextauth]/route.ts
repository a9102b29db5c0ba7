import NextAuth from "next-auth/next";
import { notFound } from "next/navigation";
import type { NextRequest } from "next/server";
import { requestOrigin } from "@/lib/audit/request.server.ts";
import { agencyAuthOptions } from "@/lib/auth/agency-options.server.ts";
import { agencyUser } from "@/lib/auth/agency-guard.server.ts";
import { guardSessionRead } from "@/lib/auth/session-read.server.ts";
import { currentOrigin } from "@/lib/auth/origin.server.ts";
import { forwardedHostIsConsistent } from "@/lib/auth/route.server.ts";
import { refusedPasswordSignIn } from "@/lib/auth/sign-in-throttle.server.ts";
import { signInAccount } from "@/lib/auth/lockouts.server.ts";
import { currentHost } from "@/lib/platform/current-tenant.server.ts";

type Context = { params: Promise<{ nextauth: string[] }> };

/** next-auth for agency users: answers on the agency host only (security case 12). */
async function handler(request: NextRequest, context: Context): Promise<Response> {
  if ((await currentHost()).kind !== "agency") notFound();
  if (!(await forwardedHostIsConsistent())) return new Response("Bad request.", { status: 400 });
  const signedOut = await guardSessionRead(
    request,
    (await context.params).nextauth,
    async () => (await agencyUser()) !== null,
  );
  if (signedOut) return signedOut;
  const origin = await currentOrigin();
  const refused = await refusedPasswordSignIn(request, (await context.params).nextauth, origin, (email) =>
    signInAccount("agency", email),
  );
  if (refused) return refused;
  return NextAuth(request, context, agencyAuthOptions(origin, await requestOrigin())) as Promise<Response>;
}

export { handler as GET, handler as POST };
