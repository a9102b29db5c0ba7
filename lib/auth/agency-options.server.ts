import "server-only";
import type { AuthOptions, User } from "next-auth";
import { appendAudit } from "../audit/log.server.ts";
import { requestOrigin } from "../audit/request.server.ts";
import { requireRuntime } from "../config/env.server.ts";
import { emailAddress } from "../mail/address.ts";
import { platform } from "../platform/platform.server.ts";
import { agencyAccount } from "../security/throttle.server.ts";
import { deriveSessionSecret, verifyPassword } from "./credentials.server.ts";
import { agencyLockedOut, guardedPasswordCheck } from "./lockouts.server.ts";
import { passwordProvider, realmAuthOptions } from "./options.server.ts";
import { isSessionId, sessionMethod } from "./session-rules.ts";
import { endAgencySession, openAgencySession } from "./user-sessions.server.ts";
import { agencySsoConfig, agencySsoUser, type CreateAgencyUser } from "./agency-sso.server.ts";
import { REFUSED_ID, oidcProvider } from "./sso-oidc.server.ts";
import { log } from "../observability/logger.ts";

const email = emailAddress();

/** Agency users live in the control plane and can sign in on the agency host only; same lockout rules as tenants. */
export async function authenticateAgencyPassword(rawEmail: unknown, password: unknown): Promise<User | null> {
  const parsed = email.safeParse(rawEmail);
  if (!parsed.success || typeof password !== "string" || password.length === 0 || password.length > 200) return null;
  const { control } = platform();
  const outcome = await guardedPasswordCheck(
    agencyAccount(parsed.data),
    async () => {
      const user = await control.agencyUser.findUnique({ where: { email: parsed.data } });
      const ok = await verifyPassword(user?.passwordHash, password);
      if (!ok || !user || !user.active)
        return { ok: false, owner: user?.active ? { email: user.email, name: user.name } : null };
      return { ok: true, user };
    },
    agencyLockedOut,
  );
  if (!outcome.ok) {
    if (outcome.refusal) throw new Error(outcome.refusal.message);
    return null;
  }
  const user = outcome.user;
  await control.agencyUser.update({ where: { id: user.id }, data: { lastSignInAt: new Date() } });
  return { id: user.id, email: user.email, name: user.name, role: user.role, sv: user.sessionVersion };
}

/**
 * The agency realm's options. Its OIDC provider (PORTICO_AGENCY_OIDC_*) is built from the
 * environment, no query, so the guard's options may carry it; only the auth route passes
 * `createUser`, which queues the worker's creation of an unknown user where that is allowed.
 */
export function agencyAuthOptions(
  origin: string,
  from?: { ip: string | null; userAgent: string | null },
  createUser?: CreateAgencyUser,
): AuthOptions {
  const sso = agencySsoConfig(platform().env);
  const options = realmAuthOptions({
    realm: "agency",
    secret: deriveSessionSecret(requireRuntime(platform().env).secretKey, "agency"),
    origin,
    cookiePrefix: "portico-agency",
    maxAgeSeconds: 8 * 3600,
    openSession: async (user, method) =>
      openAgencySession(user.id, sessionMethod(method), from ?? (await requestOrigin())),
    closeSession: async (token) => {
      if (token.realm === "agency" && token.uid && isSessionId(token.sid)) await endAgencySession(token.uid, token.sid);
    },
    providers: [
      passwordProvider(authenticateAgencyPassword),
      ...(sso
        ? [
            oidcProvider(sso, async (verified) => {
              try {
                const user = await agencySsoUser(
                  platform().control,
                  sso,
                  verified,
                  createUser ?? (async () => "pending"),
                );
                return "refused" in user ? { id: REFUSED_ID, ssoRefusal: user.refused } : user;
              } catch (error) {
                log().error({ err: error }, "[auth] agency single sign-on failed");
                return { id: REFUSED_ID, ssoRefusal: "unavailable" };
              }
            }),
          ]
        : []),
    ],
  });
  options.callbacks = {
    ...options.callbacks,
    signIn({ user }) {
      if (user.ssoRefusal) return `${origin}/sign-in?sso=${encodeURIComponent(user.ssoRefusal)}`;
      return user.id !== REFUSED_ID;
    },
  };
  const ended = options.events?.signOut;
  // Agency sign-ins and sign-outs are agency actions: audited with who and from where.
  options.events = {
    async signIn({ user, account }) {
      await appendAudit(platform().control, {
        actor: { type: "agency-user", id: user.id, label: user.email ?? user.id },
        action: "agency.sign-in",
        details: { method: account?.provider ?? "password" },
        ip: from?.ip,
        userAgent: from?.userAgent,
      });
    },
    async signOut(message) {
      await ended?.(message);
      const { token } = message;
      if (token?.uid)
        await appendAudit(platform().control, {
          actor: { type: "agency-user", id: token.uid, label: token.email ?? token.uid },
          action: "agency.sign-out",
          ip: from?.ip,
          userAgent: from?.userAgent,
        });
    },
  };
  return options;
}
