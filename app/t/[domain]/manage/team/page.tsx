import { getLocale, getTranslations } from "next-intl/server";
import { InviteForm, MemberRow } from "@/components/portal/team-forms.tsx";
import { requireTenantUser } from "@/lib/auth/tenant-guard.server.ts";
import { teamMembers } from "@/lib/portal/team.server.ts";
import { currentTenant } from "@/lib/platform/current-tenant.server.ts";
import { LockedAccounts } from "@/components/auth/locked-accounts.tsx";
import { lockedTenantAccounts } from "@/lib/auth/lockouts.server.ts";
import { formatInstant } from "@/lib/format/event-time.ts";
import { inviteAction, removeAction, roleAction, unlockAction } from "./actions.ts";

export async function generateMetadata() {
  return { title: (await getTranslations("meta"))("team") };
}

/** Staff, admins and owners: invite, change roles, remove (admins and owners only). */
export default async function TeamPage({ params }: { params: Promise<{ domain: string }> }) {
  const tenant = await currentTenant((await params).domain);
  const user = await requireTenantUser(tenant, "/manage/team", "admin");
  const [team, locked] = await Promise.all([teamMembers(tenant, user), lockedTenantAccounts(tenant, user)]);
  const canMakeOwner = user.role === "owner";
  const [t, locale] = await Promise.all([getTranslations("manage"), getLocale()]);
  return (
    <section className="space-y-6 rounded-2xl bg-surface p-6 shadow-sm ring-1 ring-black/5">
      <h1 className="text-2xl font-semibold">{t("team")}</h1>
      <InviteForm invite={inviteAction} canMakeOwner={canMakeOwner} />
      <LockedAccounts
        accounts={locked.map((l) => ({ email: l.email, until: formatInstant(l.until, locale) }))}
        action={unlockAction}
      />
      <ul className="divide-y divide-black/5" data-testid="team">
        {team.map((m) => (
          <MemberRow
            actions={{ changeRole: roleAction, remove: removeAction }}
            key={m.id}
            member={m}
            canMakeOwner={canMakeOwner}
            self={m.id === user.id}
          />
        ))}
      </ul>
    </section>
  );
}
