import "server-only";
import { log } from "../observability/logger.ts";
import type { AuthOptions, User } from "next-auth";
import type { JWT } from "next-auth/jwt";
import Credentials from "next-auth/providers/credentials";
import { safeRedirect } from "./redirect.ts";

/**
 * What both sign-in realms (tenant portals, agency dashboard) share: JWT sessions sealed with a
 * realm-specific secret, host-only cookies (no Domain attribute, `__Host-` prefix over https so
 * the browser enforces it: security case 9), redirects confined to the current origin.
 */
export interface RealmOptions {
  realm: "tenant" | "agency";
  /** The tenant id for tenant sessions; becomes the `tid` claim. */
  tenantId?: string;
  secret: string;
  /** The origin the user is on, e.g. http://acme.localhost:3000 (from the verified Host). */
  origin: string;
  cookiePrefix: string;
  providers: AuthOptions["providers"];
  maxAgeSeconds: number;
  /**
   * Writes the session row of a sign-in and returns its id, the `sid` claim (docs/decisions/041).
   * `method` is the provider's id, or what the provider's user says (a reset's fresh sign-in).
   */
  openSession(user: User, method: string): Promise<string>;
  /** Ends the row of a session signed out (its cookie, replayed, is refused from then on). */
  closeSession(token: JWT): Promise<void>;
}

export function realmAuthOptions(o: RealmOptions): AuthOptions {
  const https = o.origin.startsWith("https://");
  const name = (part: string) => `${https ? "__Host-" : ""}${o.cookiePrefix}.${part}`;
  const cookie = { httpOnly: true, sameSite: "lax" as const, path: "/", secure: https };
  return {
    secret: o.secret,
    session: { strategy: "jwt", maxAge: o.maxAgeSeconds },
    useSecureCookies: https,
    cookies: {
      sessionToken: { name: name("session"), options: cookie },
      callbackUrl: { name: name("callback-url"), options: cookie },
      csrfToken: { name: name("csrf"), options: cookie },
      // Single sign-on's PKCE verifier, state and nonce, sealed with the realm's secret: host-only
      // like the rest, and a quarter of an hour to come back from the identity provider.
      pkceCodeVerifier: { name: name("pkce"), options: { ...cookie, maxAge: 900 } },
      state: { name: name("state"), options: { ...cookie, maxAge: 900 } },
      nonce: { name: name("nonce"), options: cookie },
    },
    pages: { signIn: "/sign-in", error: "/sign-in" },
    logger: {
      // A session cookie that does not decrypt (another tenant's, tampered, expired key) is an
      // expected event: the visitor is signed out. One line, not a stack trace.
      error(code, metadata) {
        if (code === "JWT_SESSION_ERROR")
          return log().warn(
            { code },
            `[auth] ${o.realm} session cookie rejected (${String((metadata as { message?: string }).message ?? code)})`,
          );
        // Redacted by the logger: next-auth's metadata may hold the request's headers and tokens.
        log().error({ code, metadata }, `[auth] ${code}`);
      },
      warn(code) {
        if (code !== "DEBUG_ENABLED") log().warn({ code }, `[auth] ${code}`);
      },
      debug() {},
    },
    providers: o.providers,
    events: {
      async signOut({ token }) {
        if (token) await o.closeSession(token);
      },
    },
    callbacks: {
      async jwt({ token, user, account }) {
        if (user) {
          token.realm = o.realm;
          token.tid = o.tenantId;
          token.uid = user.id;
          token.role = user.role;
          token.sv = user.sv;
          if (user.imp) token.imp = user.imp;
          // Every sign-in opens a session row; the cookie is good only while that row is live.
          token.sid = await o.openSession(user, user.method ?? account?.provider ?? "password");
        }
        return token;
      },
      session({ session, token }) {
        return {
          ...session,
          realm: token.realm,
          tid: token.tid,
          uid: token.uid,
          role: token.role,
          sv: token.sv,
          imp: token.imp,
          sid: token.sid,
        };
      },
      redirect({ url }) {
        return `${o.origin}${safeRedirect(url, o.origin)}`;
      },
    },
  };
}

/** The email + password provider both realms use; `authenticate` decides against its own users. */
export function passwordProvider(authenticate: (email: unknown, password: unknown) => Promise<User | null>) {
  return Credentials({
    id: "password",
    name: "Password",
    credentials: { email: { type: "email" }, password: { type: "password" } },
    authorize: (c) => authenticate(c?.email, c?.password),
  });
}
