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
import { createHash } from "node:crypto";
import type { CreateAgencyUser } from "@/lib/auth/agency-sso.server.ts";
import { queueOperation } from "@/lib/operations/queue.server.ts";
import { platform } from "@/lib/platform/platform.server.ts";

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
  const from = await requestOrigin();
  return NextAuth(request, context, agencyAuthOptions(origin, from, createThroughWorker(from))) as Promise<Response>;
}

/**
 * An unknown person's first agency SSO sign-in, where creating users is allowed: the worker
 * creates them (decision 026); the sign-in waits a few seconds for it, else asks to try again.
 */
function createThroughWorker(from: { ip: string | null; userAgent: string | null }): CreateAgencyUser {
  return async (input) => {
    const { control } = platform();
    const key = createHash("sha256").update(`${input.issuer}\n${input.subject}`).digest("hex");
    const { id } = await queueOperation(control, {
      kind: "agency-user-sso-create",
      slug: null,
      input,
      actor: { type: "system", label: `sso:${input.email}` },
      idempotencyKey: `sso:${key}`,
      ...from,
    });
    for (let i = 0; i < 40; i++) {
      const op = await control.operation.findUnique({ where: { id }, select: { status: true } });
      if (op?.status === "succeeded") return "created";
      if (op?.status === "failed") return "pending";
      await new Promise((r) => setTimeout(r, 250));
    }
    return "pending";
  };
}

export { handler as GET, handler as POST };
