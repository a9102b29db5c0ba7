import "server-only";
import type { AuthOptions, User } from "next-auth";
import { getServerSession } from "next-auth/next";
import { redirect } from "next/navigation";
import { requireRuntime } from "../config/env.server.ts";
import { emailAddress } from "../mail/address.ts";
import { appendAudit } from "../audit/log.server.ts";
import { platform } from "../platform/platform.server.ts";
import { deriveSessionSecret, verifyPassword } from "./credentials.server.ts";
import { passwordProvider, realmAuthOptions } from "./options.server.ts";
import { agencyLockedOut, guardedPasswordCheck } from "./lockouts.server.ts";
import { agencyAccount } from "../security/throttle.server.ts";
import { currentOrigin } from "./origin.server.ts";
import { assertAgencyRole, markVerified, type AgencyRole, type AgencyUser } from "./verified.ts";

/** An agency user a guard verified on this request (docs/decisions/018). */
export { assertAgencyRole, type AgencyRole, type AgencyUser };

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
      if (!ok || !user || !user.active) return { ok: false, owner: user?.active ? { email: user.email, name: user.name } : null };
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
    providers: [
      passwordProvider(authenticateAgencyPassword),
    ],
  });
  // Agency sign-ins and sign-outs are agency actions: audited with who and from where.
  options.events = {
    async signIn({ user }) {
      await appendAudit(platform().control, { actor: { type: "agency-user", id: user.id, label: user.email ?? user.id }, action: "agency.sign-in", ip: from?.ip, userAgent: from?.userAgent });
    },
    async signOut({ token }) {
      if (token?.uid) await appendAudit(platform().control, { actor: { type: "agency-user", id: token.uid, label: token.email ?? token.uid }, action: "agency.sign-out", ip: from?.ip, userAgent: from?.userAgent });
    },
  };
  return options;
}

/**
 * The agency session of this request: none, ended (a valid token whose user has since been
 * deactivated, removed or had every session ended), or the signed-in user.
 */
async function agencySession(): Promise<{ state: "none" } | { state: "ended" } | { state: "ok"; user: AgencyUser }> {
  const session = await getServerSession(agencyAuthOptions(await currentOrigin()));
  if (!session || session.realm !== "agency" || !session.uid) return { state: "none" };
  const user = await platform().control.agencyUser.findUnique({ where: { id: session.uid } });
  if (!user || !user.active || user.sessionVersion !== session.sv) return { state: "ended" };
  return { state: "ok", user: markVerified({ id: user.id, email: user.email, name: user.name, role: user.role }) };
}

/** The signed-in agency user, or null: token of the agency realm, user active, same session version. */
export async function agencyUser(): Promise<AgencyUser | null> {
  const session = await agencySession();
  return session.state === "ok" ? session.user : null;
}

export async function requireAgencyUser(returnTo: string, atLeast: AgencyRole = "viewer"): Promise<AgencyUser> {
  const session = await agencySession();
  if (session.state === "ended") redirect(`/sign-in?ended=1&callbackUrl=${encodeURIComponent(returnTo)}`);
  if (session.state !== "ok") redirect(`/sign-in?callbackUrl=${encodeURIComponent(returnTo)}`);
  assertAgencyRole(session.user, atLeast);
  return session.user;
}

