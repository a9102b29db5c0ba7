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
import { isSessionId } from "./session-rules.ts";
import { endAgencySession, openAgencySession } from "./user-sessions.server.ts";

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

export function agencyAuthOptions(origin: string, from?: { ip: string | null; userAgent: string | null }): AuthOptions {
  const options = realmAuthOptions({
    realm: "agency",
    secret: deriveSessionSecret(requireRuntime(platform().env).secretKey, "agency"),
    origin,
    cookiePrefix: "portico-agency",
    maxAgeSeconds: 8 * 3600,
    openSession: async (user) => openAgencySession(user.id, "password", from ?? (await requestOrigin())),
    closeSession: async (token) => {
      if (token.realm === "agency" && token.uid && isSessionId(token.sid)) await endAgencySession(token.uid, token.sid);
    },
    providers: [passwordProvider(authenticateAgencyPassword)],
  });
  const ended = options.events?.signOut;
  // Agency sign-ins and sign-outs are agency actions: audited with who and from where.
  options.events = {
    async signIn({ user }) {
      await appendAudit(platform().control, {
        actor: { type: "agency-user", id: user.id, label: user.email ?? user.id },
        action: "agency.sign-in",
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
