import "server-only";
import { getServerSession } from "next-auth/next";
import { redirect } from "next/navigation";
import { agencyAuthOptions } from "./agency-options.server.ts";
import { currentOrigin } from "./origin.server.ts";
import { decideSession } from "./session-rules.ts";
import { readAgencySession, touchAgencySession } from "./user-sessions.server.ts";
import { assertAgencyRole, markVerified, type AgencyRole, type AgencyUser } from "./verified.ts";

/** An agency user a guard verified on this request (docs/decisions/018). */
export { assertAgencyRole, type AgencyRole, type AgencyUser };

/**
 * The agency session of this request: none, ended (a valid token whose user has since been
 * deactivated or removed, or whose session row was ended or has expired: docs/decisions/041), or
 * the signed-in user.
 */
async function agencySession(): Promise<{ state: "none" } | { state: "ended" } | { state: "ok"; user: AgencyUser }> {
  const session = await getServerSession(agencyAuthOptions(await currentOrigin()));
  if (!session || session.realm !== "agency" || !session.uid) return { state: "none" };
  // The user and the session row in one query; then the decision the tenant guard makes too.
  const read = await readAgencySession(session.uid, session.sid);
  if (!read || !read.session || !decideSession(read.user, read.session, session).ok) return { state: "ended" };
  await touchAgencySession(read.session);
  const { user } = read;
  return {
    state: "ok",
    user: markVerified({
      id: user.id,
      email: user.email,
      name: user.name,
      role: user.role,
      sessionId: read.session.id,
    }),
  };
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
