import { InviteForm } from "@/components/auth/invite-form.tsx";
import { peekAgencyInvitation } from "@/lib/auth/agency-members.server.ts";
import { platform } from "@/lib/platform/platform.server.ts";
import { acceptAgencyInvite } from "./actions.ts";

export const metadata = { title: "Join the agency dashboard" };

export default async function AgencyInvitePage({
  searchParams,
}: {
  searchParams: Promise<{ token?: string | string[] }>;
}) {
  const raw = (await searchParams).token;
  const token = Array.isArray(raw) ? raw[0] : raw;
  const invitation = await peekAgencyInvitation(platform().control, token);
  return (
    <section className="mx-auto max-w-md rounded-2xl bg-white p-8 shadow-sm ring-1 ring-slate-200 [--brand-primary:#334155] [--brand-on-primary:#fff]">
      {invitation ? (
        <>
          <h1 className="text-2xl font-semibold">Join the agency dashboard</h1>
          <p className="mt-4 text-sm">
            Hello {invitation.name}. You were invited as <strong>{invitation.role}</strong>. Choose a password for{" "}
            <strong>{invitation.email}</strong>.
          </p>
          <div className="mt-6">
            <InviteForm token={token as string} accept={acceptAgencyInvite} />
          </div>
        </>
      ) : (
        <>
          <h1 className="text-2xl font-semibold">This invitation no longer works</h1>
          <p className="mt-4" data-testid="invite-invalid">
            The link has been used or has expired. Ask an agency owner to invite you again.
          </p>
        </>
      )}
    </section>
  );
}
