import "server-only";
import { getServerSession } from "next-auth/next";
import { redirect } from "next/navigation";
import { agencyAuthOptions } from "./agency-options.server.ts";
import { currentOrigin } from "./origin.server.ts";
import { NONE_EXEMPT, decideSession } from "./session-rules.ts";
import { readAgencySession, touchAgencySession } from "./user-sessions.server.ts";
import { assertAgencyRole, markVerified, type AgencyRole, type AgencyUser } from "./verified.ts";

/** An agency user a guard verified on this request (docs/decisions/018). */
export { assertAgencyRole, type AgencyRole, type AgencyUser };

/**
 * An agency session that gave its password (or came back from the agency's single sign-on) but
 * still owes the second factor its user must use (docs/decisions/046): "half signed in". Only the
 * second step's page and actions read it; every other page, route and action treats it as a
 * visitor (the pages send it to the second step).
 */
export interface PendingAgencyUser {
  id: string;
  email: string;
  name: string;
  role: AgencyRole;
  sessionId: string;
  /** Has an app to prove; false when an owner or operator must set one up first. */
  enrolled: boolean;
}

type AgencySessionState =
  | { state: "none" }
  | { state: "ended" }
  | { state: "second-factor"; user: PendingAgencyUser }
  | { state: "ok"; user: AgencyUser };

/**
 * The agency session of this request: none, ended (a valid token whose user has since been
 * deactivated or removed, or whose session row was ended or has expired: docs/decisions/041),
 * half signed in (docs/decisions/046), or the signed-in user.
 */
async function agencySession(): Promise<AgencySessionState> {
  const session = await getServerSession(agencyAuthOptions(await currentOrigin()));
  if (!session || session.realm !== "agency" || !session.uid) return { state: "none" };
  // The user and the session row in one query; then the decision the tenant guard makes too,
  // except that no kind of agency session is spared the second factor.
  const read = await readAgencySession(session.uid, session.sid);
  if (!read || !read.session) return { state: "ended" };
  const decision = decideSession(read.user, read.session, session, new Date(), NONE_EXEMPT);
  const { user } = read;
  const fields = { id: user.id, email: user.email, name: user.name, role: user.role, sessionId: read.session.id };
  if (!decision.ok) {
    if (decision.why !== "second-factor") return { state: "ended" };
    return { state: "second-factor", user: { ...fields, enrolled: user.enrolled } };
  }
  await touchAgencySession(read.session);
  return { state: "ok", user: markVerified(fields) };
}

/** The signed-in agency user, or null: token of the agency realm, user active, same session version, second factor proved. */
export async function agencyUser(): Promise<AgencyUser | null> {
  const session = await agencySession();
  return session.state === "ok" ? session.user : null;
}

/** The half-signed-in agency session's user, for the second step alone (docs/decisions/046). */
export async function pendingAgencyUser(): Promise<PendingAgencyUser | null> {
  const session = await agencySession();
  return session.state === "second-factor" ? session.user : null;
}

export async function requireAgencyUser(returnTo: string, atLeast: AgencyRole = "viewer"): Promise<AgencyUser> {
  const session = await agencySession();
  if (session.state === "ended") redirect(`/sign-in?ended=1&callbackUrl=${encodeURIComponent(returnTo)}`);
  if (session.state === "second-factor") redirect(`/sign-in/second-factor?callbackUrl=${encodeURIComponent(returnTo)}`);
  if (session.state !== "ok") redirect(`/sign-in?callbackUrl=${encodeURIComponent(returnTo)}`);
  assertAgencyRole(session.user, atLeast);
  return session.user;
}
