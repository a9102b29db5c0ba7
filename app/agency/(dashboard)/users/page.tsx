import { AgencyUserControls, InviteAgencyUserForm } from "@/components/agency/agency-user-forms.tsx";
import { requireAgencyUser } from "@/lib/auth/agency-guard.server.ts";
import { formatAgo } from "@/lib/format/units.ts";
import { platform } from "@/lib/platform/platform.server.ts";
import { LockedAccounts } from "@/components/auth/locked-accounts.tsx";
import { lockedAgencyAccounts } from "@/lib/auth/lockouts.server.ts";
import { agencyUserAction, unlockAgencyUserAction } from "./actions.ts";

export const metadata = { title: "Agency users" };

export default async function AgencyUsersPage() {
  const me = await requireAgencyUser("/users");
  const users = await platform().control.agencyUser.findMany({
    orderBy: [{ active: "desc" }, { email: "asc" }],
    select: {
      id: true,
      email: true,
      name: true,
      role: true,
      active: true,
      lastSignInAt: true,
      passwordHash: true,
      invitations: { where: { usedAt: null }, orderBy: { createdAt: "desc" }, take: 1, select: { expiresAt: true } },
    },
  });
  const owner = me.role === "owner";
  const locked = owner ? await lockedAgencyAccounts(me) : [];
  return (
    <>
      <h1 className="text-2xl font-semibold">Agency users</h1>
      <p className="mt-1 text-sm text-slate-500">
        Owners manage users and may open portals as a tenant&apos;s admin; operators run lifecycle actions; viewers only
        look. The last active owner cannot be demoted or deactivated.
      </p>
      {owner ? (
        <section className="mt-6 rounded-xl bg-white p-5 ring-1 ring-slate-200">
          <h2 className="mb-3 font-medium">Invite someone</h2>
          <InviteAgencyUserForm action={agencyUserAction} />
        </section>
      ) : (
        <p className="mt-6 text-sm text-slate-600" data-testid="users-read-only">
          Only agency owners can invite people or change roles.
        </p>
      )}
      {owner && (
        <div className="mt-6 bg-white">
          <LockedAccounts
            accounts={locked.map((l) => ({
              email: l.email,
              until: l.until.toISOString().slice(0, 16).replace("T", " "),
            }))}
            action={unlockAgencyUserAction}
          />
        </div>
      )}
      <div className="mt-6 overflow-x-auto rounded-xl bg-white shadow-sm ring-1 ring-slate-200">
        <table className="stack-table min-w-full divide-y divide-slate-200 text-sm">
          <thead className="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
            <tr>
              <th className="px-4 py-3">Person</th>
              <th className="px-4 py-3">Role</th>
              <th className="px-4 py-3">Status</th>
              <th className="px-4 py-3">Last sign-in</th>
              {owner && <th className="px-4 py-3">Change</th>}
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {users.map((u) => {
              const invited = !u.passwordHash && u.invitations[0];
              return (
                <tr
                  key={u.id}
                  data-testid="agency-user-row"
                  data-email={u.email}
                  data-role={u.role}
                  data-active={String(u.active)}
                >
                  <td data-label="Person" className="px-4 py-3">
                    <div className="font-medium">
                      {u.name}
                      {u.id === me.id && <span className="text-slate-500"> (you)</span>}
                    </div>
                    <div className="text-xs text-slate-500">{u.email}</div>
                  </td>
                  <td data-label="Role" className="px-4 py-3">
                    {u.role}
                  </td>
                  <td data-label="Status" className="px-4 py-3">
                    {!u.active ? (
                      <span className="text-slate-500">deactivated</span>
                    ) : invited ? (
                      <span className="text-sky-700">
                        invited
                        {invited.expiresAt > new Date()
                          ? ` (link expires ${formatAgo(invited.expiresAt)})`
                          : " (link expired: invite again)"}
                      </span>
                    ) : (
                      <span className="text-emerald-700">active</span>
                    )}
                  </td>
                  <td data-label="Last sign-in" className="px-4 py-3 text-slate-600">
                    {formatAgo(u.lastSignInAt)}
                  </td>
                  {owner && (
                    <td data-label="Change" className="px-4 py-3">
                      <AgencyUserControls
                        action={agencyUserAction}
                        userId={u.id}
                        email={u.email}
                        role={u.role}
                        active={u.active}
                      />
                    </td>
                  )}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </>
  );
}
