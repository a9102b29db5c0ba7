import "./next-async-storage.ts";
import { encode } from "next-auth/jwt";
import { createRequestStoreForAPI } from "next/dist/server/async-storage/request-store.js";
import { workAsyncStorage } from "next/dist/server/app-render/work-async-storage.external.js";
import { workUnitAsyncStorage } from "next/dist/server/app-render/work-unit-async-storage.external.js";
import { createWorkStore } from "next/dist/server/async-storage/work-store.js";
import { agencyAuthOptions } from "../../lib/auth/agency-options.server.ts";
import { tenantAuthOptions } from "../../lib/auth/tenant-options.server.ts";
import { openAgencySession, openTenantSession } from "../../lib/auth/user-sessions.server.ts";
import { platform } from "../../lib/platform/platform.server.ts";
import type { ResolvedTenant } from "../../lib/tenancy/resolver.ts";

/**
 * Runs `fn` inside a request as Next.js sets one up for a server action: headers(), cookies() and
 * the guards read this request's Host and cookies, so a server action can be called directly.
 * The stores are Next.js's own (createWorkStore, createRequestStoreForAPI), as its route handlers
 * build them, not imitations.
 */
export function inRequest<T>(request: { host: string; cookie?: string }, fn: () => Promise<T>): Promise<T> {
  const headers = new Headers({ host: request.host, ...(request.cookie ? { cookie: request.cookie } : {}) });
  const store = createRequestStoreForAPI(
    { headers } as never,
    { pathname: "/", search: "" },
    undefined as never,
    undefined,
    undefined as never,
    undefined,
  );
  const work = createWorkStore({
    page: "/",
    renderOpts: { experimental: {} },
    isPrefetchRequest: false,
    buildId: "test",
    previouslyRevalidatedTags: [],
  } as never);
  return workAsyncStorage.run(work, () => workUnitAsyncStorage.run(store as never, fn));
}

/**
 * A session cookie as next-auth sets it after sign-in: the realm's options name it and give the
 * secret it is sealed with, for a request to `host` (https, the default public scheme). Like a
 * sign-in, it opens a session row (docs/decisions/041) through the installed test platform;
 * `sessionId` reuses a row already opened instead, and null leaves the claim out (a cookie from
 * before sessions had rows).
 */
export async function sessionCookie(
  host: string,
  session:
    | { tenant: ResolvedTenant; userId: string; sessionVersion: number; sessionId?: string | null }
    | {
        tenant?: undefined;
        userId: string;
        sessionVersion: number;
        sessionId?: string | null;
        /** Leaves the agency session owing its second factor (docs/decisions/046); by default it proved one. */
        halfSignedIn?: boolean;
      },
): Promise<string> {
  const from = { ip: "127.0.0.1", userAgent: "vitest" };
  let sid: string | null;
  if (session.sessionId !== undefined) sid = session.sessionId;
  else if (session.tenant) sid = await openTenantSession(session.tenant.id, session.userId, "password", from);
  else {
    // An agency sign-in is complete once its owner or operator has proved their app.
    sid = await openAgencySession(session.userId, "password", from);
    if (!session.halfSignedIn)
      await platform().control.agencySession.update({ where: { id: sid }, data: { secondFactorAt: new Date() } });
  }
  const origin = `https://${host}`;
  const options = session.tenant ? tenantAuthOptions(session.tenant, origin) : agencyAuthOptions(origin);
  const claims = {
    realm: session.tenant ? ("tenant" as const) : ("agency" as const),
    ...(session.tenant ? { tid: session.tenant.id } : {}),
    uid: session.userId,
    sv: session.sessionVersion,
    ...(sid ? { sid } : {}),
  };
  const token = await encode({ secret: options.secret as string, maxAge: 3600, token: claims });
  return `${options.cookies?.sessionToken?.name ?? ""}=${token}`;
}

/** What a thrown redirect(), notFound() or forbidden() carries: Next.js's digest. */
export function navigationDigest(error: unknown): string | null {
  const digest = (error as { digest?: unknown } | null)?.digest;
  return typeof digest === "string" ? digest : null;
}
