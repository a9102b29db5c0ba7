import "server-only";
import { getServerSession } from "next-auth/next";
import { redirect } from "next/navigation";
import { platform } from "../platform/platform.server.ts";
import { agencyAuthOptions } from "./agency-options.server.ts";
import { currentOrigin } from "./origin.server.ts";
import { assertAgencyRole, markVerified, type AgencyRole, type AgencyUser } from "./verified.ts";

/** An agency user a guard verified on this request (docs/decisions/018). */
export { assertAgencyRole, type AgencyRole, type AgencyUser };

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
