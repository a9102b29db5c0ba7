import { SessionList } from "@/components/auth/account-forms.tsx";
import { requireAgencyUser } from "@/lib/auth/agency-guard.server.ts";
import { agencySecondFactorsOf } from "@/lib/auth/agency-second-factor.server.ts";
import { agencySessionsOf } from "@/lib/auth/user-sessions.server.ts";
import { endAgencySessionAction } from "./actions.ts";
import { AgencySecondFactorSection } from "./second-factor-section.tsx";

export const metadata = { title: "Your account" };

const when = (d: Date) => `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;

/**
 * The signed-in agency user's own account: their second factor (docs/decisions/046), where they
 * are signed in, and ending those sessions.
 */
export default async function AgencyAccountPage() {
  const me = await requireAgencyUser("/account");
  const [sessions, factors] = await Promise.all([
    agencySessionsOf(me.id, me.sessionId ?? null),
    agencySecondFactorsOf(me),
  ]);
  return (
    <>
      <h1 className="text-2xl font-semibold">Your account</h1>
      <p className="mt-1 text-sm text-slate-500" data-testid="account-email">
        {me.name} · {me.email} · {me.role}
      </p>
      <AgencySecondFactorSection factors={factors} />
      <section className="mt-6 rounded-xl bg-white p-5 ring-1 ring-slate-200">
        <h2 className="mb-3 font-medium">Where you are signed in</h2>
        <SessionList
          kind="quiet-agency"
          sessions={sessions.map((s) => ({
            id: s.id,
            device: `${s.browser} on ${s.os}`,
            ip: s.ip,
            created: when(s.createdAt),
            lastSeen: when(s.lastSeenAt),
            current: s.current,
          }))}
          action={endAgencySessionAction}
        />
      </section>
    </>
  );
}
